"""One error hierarchy for the services; the edges (API, pages, CLI) render it."""

from __future__ import annotations

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
