"""Requests carrying a NUL character are refused before any handler sees them.

PostgreSQL text cannot hold U+0000 (SQLite can): a NUL in a query parameter, a form field or a
JSON string would reach the database and fail there as a server error. Found by schemathesis
(``/api/v1/audit?actor=%00``). Checked: the query string, url-encoded forms and JSON bodies;
multipart uploads (list workbooks, binary by nature) are left to their own validation."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MESSAGE = "请求含有不允许的字符（NUL），请检查后重新提交"


def _has_nul(body: bytes, content_type: str) -> bool:
    if content_type.startswith("application/x-www-form-urlencoded"):
        return b"%00" in body.lower() or b"\x00" in body
    if content_type.startswith("application/json"):
        return b"\\u0000" in body.lower() or b"\x00" in body
    return False


class RejectNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"").lower() or "\x00" in scope["path"]:
            await self._refuse(scope, send)
            return
        headers = dict(scope.get("headers", []))
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        if not content_type.startswith(("application/x-www-form-urlencoded", "application/json")):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _has_nul(body, content_type):
            await self._refuse(scope, send)
            return
        await self.app(
            scope,
            _replay([{"type": "http.request", "body": body, "more_body": False}], receive),
            send,
        )

    async def _refuse(self, scope: Scope, send: Send) -> None:
        api = scope["path"].startswith("/api/")
        if api:
            body = json.dumps({"detail": MESSAGE}, ensure_ascii=False).encode()
            kind = b"application/json"
        else:
            body = f"<!DOCTYPE html><meta charset=utf-8><title>请求无效</title><p>{MESSAGE}</p>".encode()
            kind = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list[Any], then: Receive) -> Receive:
    """The messages already read, then whatever the client sends next (its disconnect)."""
    queue = list(messages)

    async def receive() -> Message:
        if queue:
            return queue.pop(0)  # type: ignore[no-any-return]
        return await then()

    return receive
