"""What every request and response of the web service passes through, before any route:

- a request body is limited before it is read — a declared ``Content-Length`` over the route's
  limit is refused at once (413), a body sent without one is counted as it arrives and cut at the
  limit — so no unauthenticated request can make the server buffer or spool more than that;
- every response carries the security headers (no caching, no sniffing, no framing, no referrer,
  a strict Content-Security-Policy) unless its route set its own;
- the access log never holds a signed link's signature (:class:`RedactLinks`).
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrator.web.screen import screen_body

#: Every body but an upload: forms and JSON are a few KiB.
MAX_BODY = 1024 * 1024
#: An uploaded list workbook (a 100,000-line workbook is about 15 MB).
MAX_UPLOAD = 64 * 1024 * 1024
#: Paths that take a file, with their limit (the file's own limit and the multipart framing).
UPLOAD_LIMITS: Mapping[str, int] = {"/lists/upload": MAX_UPLOAD + MAX_BODY}

#: What every response carries unless its route says otherwise.
SECURITY: Mapping[str, str] = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = tuple(
    (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY.items()
)


#: A city's pages on a provincial installation: ``/c/<code>`` before the city's own path.
CITY_ROOT = re.compile(r"^/c/\d{6}(?=/)")


def limit_of(path: str) -> int:
    return UPLOAD_LIMITS.get(CITY_ROOT.sub("", path, count=1), MAX_BODY)


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:g}MB"


class Guard:
    """The outermost middleware (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_of(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, limit)
            return
        seen = 0

        def too_large(chunk: bytes) -> bool:
            nonlocal seen
            seen += len(chunk)
            return seen > limit

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                have = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in have)
                message = {**message, "headers": headers}
            await send(message)

        async def refuse(to: Send) -> None:
            await _refuse(scope, to, limit)

        await screen_body(self.app, scope, receive, secured, refused=too_large, refuse=refuse)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    message = f"请求内容超过{_mib(limit)}，不予受理"
    path = CITY_ROOT.sub("", scope["path"], count=1)
    if path.startswith(("/api/", "/callbacks/")):
        body = ('{"detail": "' + message + '"}').encode()
        kind = b"application/json"
    else:
        body = message.encode()
        kind = b"text/plain; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    have = {k for k, _ in headers}
    headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in have)
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


#: The signature of a signed link (``1.<USCC>.<expiry>.<signature>``, ``c3.…`` for a control
#: round): whoever reads the access log could use the link until it expires.
_SIGNED = re.compile(r"(\bc?\d+\.[0-9A-Z]{18}\.\d+\.)[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    """``text`` with every signed link's signature replaced by ``***``."""
    return _SIGNED.sub(r"\1***", text)


class RedactLinks(logging.Filter):
    """Takes the signatures of signed links out of uvicorn's access log lines (which pass the
    request path as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def log_config(base: Mapping[str, Any]) -> dict[str, Any]:
    """uvicorn's logging configuration ``base`` with :class:`RedactLinks` on its access log."""
    config = copy.deepcopy(dict(base))
    config.setdefault("filters", {})["signed_links"] = {"()": f"{__name__}.RedactLinks"}
    for handler in config.get("handlers", {}).values():
        handler.setdefault("filters", []).append("signed_links")
    return config
