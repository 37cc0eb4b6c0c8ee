"""Time helpers. `now()` is the one clock of the app, so tests can set it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

# Every instant and day the product accepts lies in these years. Both databases (and Python's
# `datetime`) stop at year 9999, and a UTC instant near either end moves past it when seen in a
# time zone 14 hours away: bounded well inside, no instant, local day or week a team can ask
# for or store is ever out of range, whatever time zone the team picks later.
FIRST_YEAR = 1900
LAST_YEAR = 2199
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)
BOUNDS = f"{FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31"


def now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive timestamp is taken as UTC (SPEC §4)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def bounded_utc(value: datetime) -> datetime:
    """`as_utc`, for an instant the product accepts: ValueError outside the years it stores."""
    # The year is checked before converting: converting 9999-12-31T23:00-05:00 overflows.
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must be between {BOUNDS} (UTC)")
    utc = as_utc(value)
    if not EARLIEST <= utc < LATEST:
        raise ValueError(f"must be between {BOUNDS} (UTC)")
    return utc


def bounded_day(value: date) -> date:
    """A calendar day the product accepts: ValueError outside the years it stores."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must be between {BOUNDS}")
    return value


@cache
def time_zone_names() -> frozenset[str]:
    """The IANA time zones, as the `tzdata` package lists them.

    Not `zoneinfo.available_timezones()`: that also lists the host's files, such as `localtime`
    (whatever the host's clock is set to) and `posixrules`. "Factory" is IANA's zone for an
    unconfigured machine, not a place.
    """
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(listed.split()) - {"Factory"}


def is_time_zone(name: str) -> bool:
    return name in time_zone_names()


def local_day(instant: datetime, time_zone: str) -> date:
    """The calendar date of a UTC instant in a time zone (an IANA name)."""
    return as_utc(instant).astimezone(ZoneInfo(time_zone)).date()
