"""Time helpers. `now()` is the one clock of the app, so tests can set it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, available_timezones


def now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive timestamp is taken as UTC (SPEC §4)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def is_time_zone(name: str) -> bool:
    if name not in available_timezones():
        return False
    ZoneInfo(name)
    return True


def local_day(instant: datetime, time_zone: str) -> date:
    """The calendar date of a UTC instant in a time zone (an IANA name)."""
    return as_utc(instant).astimezone(ZoneInfo(time_zone)).date()
