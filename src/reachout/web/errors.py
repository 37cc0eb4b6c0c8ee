"""Errors of the pages: the one error hierarchy, rendered as HTML instead of problem+json."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from reachout.db import Database
from reachout.models import User
from reachout.observability.requests import request_id_of
from reachout.web.route import finish, render
from reachout.web.session import read_session

_NOT_PAGES = ("/api/", "/static/", "/healthz", "/readyz", "/metrics")


def is_page(request: Request) -> bool:
    """A request for the web app rather than for the API (which answers problem+json)."""
    path = request.url.path
    return not (path.startswith(_NOT_PAGES) or path == "/api")


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if is_htmx(request):
        # A fragment request cannot be redirected in place: htmx sends the whole page there.
        location = "/sign-in?next=" + quote(request.headers.get("HX-Current-URL", "/"), safe="")
        return Response(status_code=401, headers={"HX-Redirect": location})
    return RedirectResponse("/sign-in?next=" + quote(target, safe=""), status_code=303)


class SignedIn(Protocol):
    """Who a session's secret signs in: the users domain's rule (`users.sessions`)."""

    def __call__(self, session: Session, *, secret: str) -> User | None: ...


def install(app: FastAPI, *, signed_in: SignedIn) -> None:
    """Give the error page its way to find who is signed in. The app installs it rather than
    this module importing it: sessions are the users domain's, which builds on the pages."""
    app.state.signed_in = signed_in


async def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    if status == 401:
        return sign_in_redirect(request)
    if is_htmx(request):
        # Shown in the page's alert region by static/app.js.
        response: Response = HTMLResponse(detail, status_code=status)
    else:
        # The request's id, for a report to match with the server's log line.
        request_id = request_id_of(request)
        context = {"status": status, "title": title, "detail": detail, "request_id": request_id}
        # Signed in, the page keeps its header; not after a server fault, which may be the
        # database's own.
        with_user = status < 500 and getattr(request.app.state, "signed_in", None) is not None
        if with_user:
            response = await run_in_threadpool(_render_signed_in, request, context, status)
        else:
            response = render(request, "error.html", context, status=status)
    finish(request, response)
    return response


def _render_signed_in(request: Request, context: dict[str, object], status: int) -> Response:
    """The error page with the header of whoever the session cookie signs in, if anyone."""
    # Set on a page's route; a path that matches no route has not read the cookie yet.
    web_session = getattr(request.state, "web_session", None) or read_session(request)
    if web_session.secret is None:
        return render(request, "error.html", context, status=status)
    db: Database = request.app.state.db
    # Rendered inside the session: the header reads the user's team.
    with db.unit_of_work(write=False) as session:
        user = request.app.state.signed_in(session, secret=web_session.secret)
        if user is not None:
            request.state.web_session = web_session  # the Sign out form's CSRF token
        return render(request, "error.html", context, user=user, status=status)
