"""The pages' route class (CSRF check, session cookie, unit of work) and rendering."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request, Response
from fastapi.templating import Jinja2Templates

from reachout.errors import Forbidden
from reachout.kit.time import as_utc
from reachout.models import User
from reachout.routing import SAFE_METHODS, UnitOfWorkRoute
from reachout.web import labels
from reachout.web.session import CSRF_FIELD, CSRF_HEADER, WebSession, read_session, write_session

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

# No inline script or style anywhere: a note that slipped past escaping still could not run.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class PageRoute(UnitOfWorkRoute):
    """A page: one unit of work, the session cookie, and a CSRF check on every unsafe method.

    The check sits in the route class, not in a dependency, so that no page can forget it.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            web_session = read_session(request)
            request.state.web_session = web_session
            if request.method not in SAFE_METHODS:
                await check_csrf(request, web_session)
            response = await handler(request)
            finish(request, response)
            return response

        return run


async def check_csrf(request: Request, web_session: WebSession) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not web_session.csrf_matches(sent):
        raise Forbidden("the form has expired or did not come from this site; reload and retry")


def finish(request: Request, response: Response) -> None:
    """Headers of every page answer, and the session cookie when it changed."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    web_session: WebSession | None = getattr(request.state, "web_session", None)
    if web_session is not None and web_session.changed:
        write_session(request, response, web_session)


def web_session_of(request: Request) -> WebSession:
    web_session: WebSession = request.state.web_session
    return web_session


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.filters["local"] = local_time
    templates.env.filters["local_input"] = local_input
    templates.env.globals["CSRF_FIELD"] = CSRF_FIELD
    labels.install(templates.env.globals)
    return templates


def local_time(value: datetime | None, time_zone: str) -> str:
    if value is None:
        return ""
    moment = as_utc(value).astimezone(ZoneInfo(time_zone))
    return moment.strftime("%b %-d, %Y %H:%M")


def local_input(value: datetime, time_zone: str) -> str:
    """The value of a datetime-local input: the team's wall-clock time to the minute."""
    return as_utc(value).astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%dT%H:%M")


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    user: User | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    web_session: WebSession | None = getattr(request.state, "web_session", None)
    full = {
        "user": user,
        "tz": user.team.time_zone if user else "UTC",
        "csrf": web_session.csrf if web_session else "",
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, full, status_code=status, headers=headers)
