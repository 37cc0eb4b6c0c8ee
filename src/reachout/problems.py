"""Errors rendered as RFC 9457 problem+json for the API, and as the error page for pages."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from reachout.errors import FieldError, ReachoutError, field_errors
from reachout.observability.requests import HEADER as REQUEST_ID
from reachout.observability.requests import request_id_of
from reachout.web.errors import error_page, is_page

log = logging.getLogger("reachout")

PROBLEM_TYPE_BASE = "https://reachout.dev/problems/"


class ProblemError(BaseModel):
    field: str | None = None
    id: int | str | None = None
    message: str


class Problem(BaseModel):
    """The shape of every error answer (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError] = []
    # The request's id (its X-Request-ID), to find its line in the server's log.
    request_id: str


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (401, 403, 404, 409, 422)
}

# What a client may do after a server-side failure: send the same request again. A failed
# request's transaction is rolled back with its Idempotency-Key claim, so a POST repeated with
# the same key is written once, even if the failure came after a commit the client never saw.
_RETRY_API = "; send the same request again (a POST with the same Idempotency-Key)"
_RETRY_PAGE = "; please try again in a moment"

# Not "retry": the same change would meet the same row again.
_CONFLICT = "the change conflicts with another one made at the same time"

_HTTP_TITLES = {404: "Not found", 405: "Method not allowed", 413: "Content too large"}


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    errors: list[FieldError] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    request_id: str | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "errors": [e.as_dict() for e in errors or []],
    }
    if request_id is not None:
        body["request_id"] = request_id
    body.update(extra or {})
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(ReachoutError)
    async def _reachout(request: Request, exc: ReachoutError) -> Response:
        if is_page(request):
            return await error_page(request, exc.status, exc.title, exc.detail)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            slug=exc.slug,
            errors=exc.errors,
            extra=exc.extra,
            headers=headers,
            request_id=request_id_of(request),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = field_errors(exc.errors())
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        if is_page(request):
            return await error_page(request, 422, "Validation failed", detail)
        return problem_response(
            422,
            "Validation failed",
            detail,
            slug="validation-failed",
            errors=errors,
            request_id=request_id_of(request),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = _HTTP_TITLES.get(exc.status_code, "Error")
        detail = str(exc.detail)
        if exc.status_code == 413:
            limit = getattr(request.state, "body_limit", None)
            limit = limit or request.app.state.settings.max_request_bytes
            detail = f"the request body is larger than {limit:,} bytes"
        if is_page(request):
            detail = "there is no page here" if exc.status_code == 404 else detail
            return await error_page(request, exc.status_code, title, detail)
        if exc.status_code == 400:
            # FastAPI's answer to a body it cannot decode at all (bytes that are not UTF-8): the
            # same 422 as any other body that is not JSON, the one error shape the API documents.
            errors = [FieldError("the body is not valid JSON", field="body")]
            return problem_response(
                422,
                "Validation failed",
                "body: the body is not valid JSON",
                slug="validation-failed",
                errors=errors,
                request_id=request_id_of(request),
            )
        return problem_response(
            exc.status_code,
            title,
            detail,
            slug=title.lower().replace(" ", "-"),
            headers=getattr(exc, "headers", None),
            request_id=request_id_of(request),
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> Response:
        # Services check what they can first; this is the last line (a race lost to another
        # request), so it answers as the conflict it is rather than as a server fault.
        log.warning("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
        if is_page(request):
            return await error_page(request, 409, "Conflict", _CONFLICT)
        return problem_response(
            409, "Conflict", _CONFLICT, slug="conflict", request_id=request_id_of(request)
        )

    @app.exception_handler(OperationalError)
    async def _unavailable(request: Request, exc: OperationalError) -> Response:
        # The database could not be reached, or gave up waiting (SQLite's busy timeout,
        # PostgreSQL's lock_timeout, a deadlock or serialization failure): a transient state,
        # so 503 with Retry-After rather than a fault of the server's own.
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        reason = "the database is busy or unreachable"
        if is_page(request):
            return await error_page(request, 503, "Service unavailable", reason + _RETRY_PAGE)
        return problem_response(
            503,
            "Service unavailable",
            reason + _RETRY_API,
            slug="service-unavailable",
            headers={"Retry-After": "1"},
            request_id=request_id_of(request),
        )

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        # Any other unexpected error: still problem+json (or the error page), never Starlette's
        # bare text 500. Starlette re-raises it after this answer, so it is logged with its
        # traceback by the server; the client sees no internals.
        reason = "the server failed to complete the request"
        if is_page(request):
            response = await error_page(request, 500, "Internal error", reason + _RETRY_PAGE)
        else:
            response = problem_response(
                500,
                "Internal error",
                reason + _RETRY_API,
                slug="internal-error",
                request_id=request_id_of(request),
            )
        # Uvicorn closes the connection after an answer whose request raised. Saying so keeps a
        # keep-alive client from sending its next request (its retry) into the closing socket,
        # which it would see as a connection reset.
        response.headers["Connection"] = "close"
        # Sent by Starlette's outermost middleware, around RequestLog, which so cannot add it.
        request_id = request_id_of(request)
        if request_id is not None:
            response.headers[REQUEST_ID] = request_id
        return response
