"""Errors of the pages: the one error hierarchy, rendered as HTML instead of problem+json."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from reachout.web.route import finish, render

_NOT_PAGES = ("/api/", "/static/", "/healthz")


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


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    if status == 401:
        return sign_in_redirect(request)
    if is_htmx(request):
        # Shown in the page's alert region by static/app.js.
        response: Response = HTMLResponse(detail, status_code=status)
    else:
        context = {"status": status, "title": title, "detail": detail}
        response = render(request, "error.html", context, status=status)
    finish(request, response)
    return response
