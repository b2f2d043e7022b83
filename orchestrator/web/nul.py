"""Requests carrying a NUL character are refused before any handler sees them.

PostgreSQL text cannot hold U+0000 (SQLite can): a NUL in a query parameter, a form field or a
JSON string would reach the database and fail there as a server error. Found by schemathesis
(``/api/v1/audit?actor=%00``). Checked: the query string, url-encoded forms and JSON bodies;
multipart uploads (list workbooks, binary by nature) are left to their own validation. The body
is checked as it streams in, never buffered here (the size limit of ``guard`` applies first)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from orchestrator.web.screen import screen_body

MESSAGE = "请求含有不允许的字符（NUL），请检查后重新提交"


def _patterns(content_type: str) -> tuple[bytes, ...]:
    if content_type.startswith("application/x-www-form-urlencoded"):
        return (b"%00", b"\x00")
    if content_type.startswith("application/json"):
        return (b"\\u0000", b"\x00")
    return ()


class RejectNul:
    """Checks the body as it streams through, chunk by chunk (with the few bytes a pattern
    can straddle between two chunks): nothing is buffered here, and the handler, which reads
    the whole form or JSON before it acts, is stopped before it acts."""

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
        patterns = _patterns(content_type)
        if not patterns:
            await self.app(scope, receive, send)
            return
        keep = max(len(p) for p in patterns) - 1
        tail = b""

        def has_nul(chunk: bytes) -> bool:
            nonlocal tail
            window = (tail + chunk).lower()  # with the bytes an escape can straddle
            tail = window[-keep:]
            return any(p in window for p in patterns)

        async def refuse(to: Send) -> None:
            await self._refuse(scope, to)

        await screen_body(self.app, scope, receive, send, refused=has_nul, refuse=refuse)

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
