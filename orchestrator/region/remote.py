"""A city's own installation's line to its province's installation: the province's JSON API
over HTTPS, with an API token of one of the city's accounts at the province (so the province
answers for that city only)."""

from __future__ import annotations

from typing import Any

import requests

from orchestrator.errors import InputInvalid
from orchestrator.region.federation import Signed

TIMEOUT = (5, 30)


class LinkDown(InputInvalid):
    """The province's installation did not take a request (network, status): tried again."""


class RemoteProvince:
    def __init__(self, url: str, token: str, *, session: requests.Session | None = None) -> None:
        if not url.startswith(("https://", "http://")):
            raise InputInvalid(f"省级平台地址应为http(s)地址：{url}")
        self.url, self.token = url.rstrip("/"), token
        self.http = session or requests.Session()

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> requests.Response:
        try:
            r = self.http.request(
                method,
                f"{self.url}/api/v1/federation{path}",
                json=body,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise LinkDown(f"无法连接省级平台：{type(exc).__name__}") from exc
        return r

    @staticmethod
    def _detail(r: requests.Response) -> str:
        try:
            return str(r.json().get("detail", ""))
        except ValueError:
            return r.text[:200]

    def feed(self) -> list[Signed]:
        r = self._call("GET", "/orders")
        if r.status_code != 200:
            raise LinkDown(f"省级平台拒绝提供调度令（{r.status_code}）：{self._detail(r)}")
        try:
            return [Signed.from_json(m) for m in r.json()["orders"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise LinkDown(f"省级平台的应答无法识别：{exc}") from exc

    def acknowledge(self, ref: int, *, lift: bool) -> None:
        r = self._call("POST", f"/orders/{ref}/acknowledge", {"lift": lift})
        if r.status_code != 200:
            raise LinkDown(f"省级平台未确认收到调度令{ref}（{r.status_code}）：{self._detail(r)}")

    def send(self, message: Signed) -> None:
        """Delivered when the province took it, had it already, or has a newer one (409)."""
        r = self._call("POST", "/reports", dict(message.to_json()))
        if r.status_code not in (200, 409):
            raise LinkDown(f"省级平台未接收上报（{r.status_code}）：{self._detail(r)}")
