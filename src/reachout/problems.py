"""Errors rendered as RFC 9457 problem+json for the API."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from reachout.errors import FieldError, ReachoutError

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


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {"application/problem+json": {}}}
    for code in (401, 403, 404, 409, 422)
}


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    errors: list[FieldError] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "errors": [e.as_dict() for e in errors or []],
    }
    body.update(extra or {})
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        message = str(err.get("msg", "is not valid"))
        if err.get("type") == "extra_forbidden":
            message = "is not a known field"
        elif err.get("type") == "json_invalid":
            message = "the body is not valid JSON"
            loc = ("body",)
        message = message.removeprefix("Value error, ")
        out.append(FieldError(message, field=_field_of(loc)))
    return out


def install(app: FastAPI) -> None:
    # Imported here: the web edge renders templates, which the API alone never needs.
    from reachout.web.errors import error_page, is_page

    @app.exception_handler(ReachoutError)
    async def _reachout(request: Request, exc: ReachoutError) -> Response:
        if is_page(request):
            return error_page(request, exc.status, exc.title, exc.detail)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            slug=exc.slug,
            errors=exc.errors,
            extra=exc.extra,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = validation_errors(exc)
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
        if is_page(request):
            return error_page(request, 422, "Validation failed", detail)
        return problem_response(
            422, "Validation failed", detail, slug="validation-failed", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        if is_page(request):
            detail = "there is no page here" if exc.status_code == 404 else str(exc.detail)
            return error_page(request, exc.status_code, title, detail)
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
            )
        return problem_response(
            exc.status_code,
            title,
            str(exc.detail),
            slug=title.lower().replace(" ", "-"),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> Response:
        # Services check what they can first; this is the last line (a race lost to another
        # request), so it answers as the conflict it is rather than as a server fault.
        log.warning("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
        if is_page(request):
            return error_page(request, 409, "Conflict", "the change conflicts with another one")
        return problem_response(
            409, "Conflict", "the change conflicts with another one; retry", slug="conflict"
        )
