"""A cap on the size of request bodies, so no request can make a server read (and parse) more
than it should: a body past the cap is a 413, rendered like every other error."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """ASGI middleware: reading a body over `max_bytes` (by its Content-Length, or counted as
    it streams in) raises a 413 `HTTPException` where the app reads it, so the app's own error
    handlers answer. FastAPI's (and Starlette's) body limit answers in plain text instead."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Paths (by prefix) that take larger bodies (file uploads), and their cap.
        self.larger = dict(larger or {})

    def limit_for(self, path: str) -> int:
        return next((b for p, b in self.larger.items() if path.startswith(p)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        # For the 413's words: the request's own cap.
        scope.setdefault("state", {})["body_limit"] = limit
        declared = Headers(scope=scope).get("content-length", "")
        too_large = declared.isdigit() and int(declared) > limit
        read = 0

        async def limited() -> Message:
            nonlocal read
            if too_large:
                raise HTTPException(413)
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    raise HTTPException(413)
            return message

        await self.app(scope, limited, send)
