"""A cap on the size of request bodies, so no request can make a server read (and parse) more
than it should: a body past the cap is a 413, rendered like every other error."""

from __future__ import annotations

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """ASGI middleware: reading a body over `max_bytes` (by its Content-Length, or counted as
    it streams in) raises a 413 `HTTPException` where the app reads it, so the app's own error
    handlers answer. FastAPI's (and Starlette's) body limit answers in plain text instead."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        too_large = declared.isdigit() and int(declared) > self.max_bytes
        read = 0

        async def limited() -> Message:
            nonlocal read
            if too_large:
                raise HTTPException(413)
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > self.max_bytes:
                    raise HTTPException(413)
            return message

        await self.app(scope, limited, send)
