"""Turning posted forms into the services' schemas, and their errors into messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from reachout.errors import Invalid, field_errors

M = TypeVar("M", bound=BaseModel)


def first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err.get("loc", ()))
    message = str(err.get("msg", "is not valid")).removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


def validate(schema: type[M], data: dict[str, Any]) -> M:
    """The schema built from form data; a validation failure is an Invalid naming the fields."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        errors = field_errors(exc.errors())
        raise Invalid(
            detail="; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors
        ) from exc


def local_datetime(value: str, time_zone: str) -> datetime | None:
    """A datetime-local input's value (the team's wall-clock time) as an aware instant."""
    value = value.strip()
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Invalid.on("occurred_at", "is not a date and time") from exc
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(time_zone))


def errors_by_field(exc: Invalid) -> dict[str, str]:
    return {e.field or "": e.message for e in exc.errors} or {"": exc.detail}
