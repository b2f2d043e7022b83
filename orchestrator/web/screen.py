"""Screening a request body as it streams to the app, chunk by chunk, without buffering it.

A refusal cannot be raised through the app: FastAPI turns any error while it reads a body into
its own 400 ("There was an error parsing the body"). So the refusal is answered here, and the
app is told the client has gone (``http.disconnect``): it stops reading and never acts, and
whatever it sends after that is dropped."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def screen_body(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    refused: Callable[[bytes], bool],
    refuse: Callable[[Send], Awaitable[None]],
) -> None:
    """Run ``app`` with each body chunk shown to ``refused`` first; on the first it refuses,
    ``refuse(send)`` answers (unless a response has started)."""
    started = stopped = False

    async def screened() -> Message:
        nonlocal stopped
        message = await receive()
        refusing = message["type"] == "http.request" and not stopped
        if refusing and refused(message.get("body", b"")):
            stopped = True
            if not started:
                await refuse(send)
            return {"type": "http.disconnect"}
        return message

    async def watched(message: Message) -> None:
        nonlocal started
        if stopped:
            return  # the refusal is sent; whatever the app says after it is dropped
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, screened, watched)
    except Exception:
        if not stopped:
            raise  # the app's own failure: not ours to hide
