"""A city's app served under ``/c/<code>`` of a provincial installation. Its routes and
redirects are written as paths of the city's own site (``/alerts/3``); the mount strips the
prefix on the way in, and :class:`Rooted` puts it back on the way out: the ``Location`` of each
redirect is sent as the browser must follow it (``/c/<code>/alerts/3``), as a reverse proxy's
``proxy_redirect`` does. Pages write their links with the ``root`` they are rendered with."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Rooted:
    def __init__(self, app: ASGIApp, root: str) -> None:
        self.app, self.root = app, root.encode()

    def rooted(self, location: bytes) -> bytes:
        if not location.startswith(b"/") or location.startswith(b"//"):
            return location  # another host's, or a relative one: as it is
        if location == self.root or location.startswith(self.root + b"/"):
            return location  # written with the prefix already (a sign-in's next page)
        return self.root + location

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_rooted(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, self.rooted(v) if k.lower() == b"location" else v)
                    for k, v in message.get("headers", [])
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_rooted)
