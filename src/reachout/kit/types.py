"""Field types shared by every domain's schemas."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict, StringConstraints

from reachout.errors import Invalid
from reachout.kit.time import bounded_day, bounded_utc

# The largest id the id columns can hold: they are INTEGER, 32-bit signed on PostgreSQL. Larger
# numbers name nothing, and must never reach the database, which refuses to compare an INTEGER
# column with them ("integer out of range", a 500) instead of finding nothing.
MAX_ID = 2**31 - 1

# An id in a JSON body: a JSON number, never `"5"` or `true` (which lax parsing reads as 5 and 1).
DbId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
# An id in a query string or a form, where every value is text by nature.
QueryId = Annotated[int, Field(ge=1, le=MAX_ID)]
# A count or a number of days in a JSON body, as strict as the ids.
StrictInt = Annotated[int, Strict()]

# Every instant the product accepts, in UTC (a naive one is UTC), within the years it stores.
Instant = Annotated[datetime, AfterValidator(bounded_utc)]
# Every calendar day the product accepts, within the same years.
Day = Annotated[date, AfterValidator(bounded_day)]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> Any:
    # Only YYYY-MM-DD: pydantic alone would also read a number as a Unix time.
    if not isinstance(value, str):
        return value
    if not _ISO_DAY.fullmatch(value):
        raise ValueError("must be a date, YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a day of the calendar") from None


# A day in a query string or a form: YYYY-MM-DD only, within the years the product stores.
QueryDay = Annotated[date, BeforeValidator(_iso_day), AfterValidator(bounded_day)]


def blank_is_none(value: Any) -> Any:
    """A GET form sends every field: `?owner_id=&reply=` means "no filter"."""
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(blank_is_none)


def is_db_id(value: int) -> bool:
    """Whether `value` can be an id at all (so a lookup is worth sending to the database)."""
    return 0 < value <= MAX_ID


def no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text; refusing it here keeps bad input a 422, not a 500.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def plain_text(value: str, *, field: str, max_length: int) -> str:
    """Text from a form or the command line, trimmed, held to what the API's schemas accept:
    these reach the services without a schema, and must be a 422 too, not a database error."""
    value = value.strip()
    try:
        no_nul(value)
    except ValueError as exc:
        raise Invalid.on(field, str(exc)) from exc
    if len(value) > max_length:
        raise Invalid.on(field, f"must be at most {max_length} characters")
    return value


# A person's or a project's name: trimmed, 1 to 200 characters.
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(no_nul),
]
