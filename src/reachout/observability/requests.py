"""Each request's id and its one log line (and, with metrics on, its count and latency).

Pure ASGI middleware, like `kit.body_limit`: a `BaseHTTPMiddleware` would cost every request a
task and a copy of its body stream. Per request it does a header scan, a clock read at each
end, and one log record.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from time import perf_counter

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("reachout.requests")

HEADER = "X-Request-ID"
_HEADER_KEY = HEADER.lower().encode()
# A client's id is kept only if it is short and plain: it is echoed in a header and logged.
_SANE_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
# The route of a request no route matched: one label, whatever was asked for.
UNMATCHED = "(unmatched)"

# Counts and times a finished request: method, route template, status, seconds.
Observe = Callable[[str, str, int, float], None]


class Entry:
    """What the request's line says, filled in as the request goes."""

    __slots__ = ("request_id", "status", "team_id", "user_id")

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self.status = 500  # until a response starts: an exception with no answer yet
        self.user_id: int | None = None
        self.team_id: int | None = None


# The request being answered. The thread pool runs endpoints in a copy of the request's
# context, which holds the same Entry: `identify` there fills in the one the line is made from.
_entry: ContextVar[Entry | None] = ContextVar("reachout_request", default=None)


def current_request_id() -> str | None:
    entry = _entry.get()
    return entry.request_id if entry is not None else None


def request_id_of(request: Request) -> str | None:
    """The request's id, once RequestLog has seen it (for its error answers)."""
    request_id: str | None = getattr(request.state, "request_id", None)
    return request_id


def identify(*, user_id: int, team_id: int) -> None:
    """Name the caller in the request's line (the authenticated user of a token or session)."""
    entry = _entry.get()
    if entry is not None:
        entry.user_id, entry.team_id = user_id, team_id


def sent_or_new_id(scope: Scope) -> str:
    """The client's X-Request-ID if it is sane, else a new one."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for name, value in headers:
        if name == _HEADER_KEY:
            if _SANE_ID.fullmatch(value):
                return value.decode()
            break
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The template of the route that answered (`/api/v1/touchpoints/{touchpoint_id}`), never
    the path itself: ids and whatever a client typed stay out of logs and metric labels."""
    # FastAPI's context of a route of an included router has its whole template (the route's
    # own lacks the router's prefix); a route of the app's own has it.
    fastapi = scope.get("fastapi") or {}
    for holder in (fastapi.get("effective_route_context"), scope.get("route")):
        template = getattr(holder, "path_format", None)
        if isinstance(template, str) and template:
            return template
    if "endpoint" in scope:  # a mounted app (the static files)
        return f"{scope.get('root_path', '')}/{{path}}"
    return UNMATCHED


class RequestLog:
    """ASGI middleware: the request id (taken or made, on `request.state.request_id` and in the
    answer's X-Request-ID header) and, once the answer is sent, the request's log line."""

    def __init__(self, app: ASGIApp, *, observe: Observe | None = None) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        entry = Entry(sent_or_new_id(scope))
        scope.setdefault("state", {})["request_id"] = entry.request_id
        header = (_HEADER_KEY, entry.request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
                # A new list: a response may send the list it keeps.
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = _entry.set(entry)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._finish(scope, entry, perf_counter() - started)
            _entry.reset(token)

    def _finish(self, scope: Scope, entry: Entry, seconds: float) -> None:
        route = route_of(scope)
        method: str = scope["method"]
        if self.observe is not None:
            self.observe(method, route, entry.status, seconds)
        if not log.isEnabledFor(logging.INFO):
            return
        client = scope.get("client")
        fields = {
            "request_id": entry.request_id,
            "method": method,
            "route": route,
            "status": entry.status,
            "duration_ms": round(seconds * 1000, 2),
            "user_id": entry.user_id,
            "team_id": entry.team_id,
            "client": client[0] if client else None,
        }
        log.info("%s %s %d", method, route, entry.status, extra={"fields": fields})
