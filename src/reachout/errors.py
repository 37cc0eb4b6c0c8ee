"""One error hierarchy for the services; the edges (API, pages, CLI) render it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    """One thing wrong with the input: a field (dotted path) or an id, and why."""

    message: str
    field: str | None = None
    id: Any = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.field is not None:
            out["field"] = self.field
        if self.id is not None:
            out["id"] = self.id
        out["message"] = self.message
        return out


def field_errors(errors: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """Pydantic's validation errors (of a request or of a form) as FieldErrors, each naming its
    field as the client sent it: a body's field without the "body" in front."""
    out = []
    for err in errors:
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


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


@dataclass
class ReachoutError(Exception):
    detail: str
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __str__(self) -> str:
        return self.detail


class Unauthorized(ReachoutError):
    status = 401
    title = "Not authenticated"
    slug = "unauthorized"


class Forbidden(ReachoutError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class NotFound(ReachoutError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(ReachoutError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class Invalid(ReachoutError):
    """The payload is well-formed but not acceptable (a bad reference, a rule broken)."""

    status = 422
    title = "Validation failed"
    slug = "validation-failed"

    @classmethod
    def on(cls, field_name: str, message: str) -> Invalid:
        return cls(
            detail=f"{field_name}: {message}", errors=[FieldError(message, field=field_name)]
        )


class TooManyRequests(ReachoutError):
    status = 429
    title = "Too many requests"
    slug = "too-many-requests"
