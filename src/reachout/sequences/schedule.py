"""When a sequence stage is due: delays in (business) days, then the team's sending hours.

Pure functions over aware UTC instants; the team's time zone decides what a day and an hour are.
A local time becomes an instant the one way `local_instant` says: a time the clocks skip (spring
forward) is the first instant after the gap, a time they repeat (fall back) its first occurrence.
So a window opens at its start's instant and closes at its end's, and stays open in between even
when the wall clock steps back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal, overload
from zoneinfo import ZoneInfo

from reachout.kit.time import as_utc

if TYPE_CHECKING:
    from reachout.models.team import Team

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKDAYS = frozenset(range(5))
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)", re.ASCII)


@overload
def parse_hhmm(value: str, *, allow_24: Literal[False]) -> time: ...
@overload
def parse_hhmm(value: str, *, allow_24: bool) -> time | None: ...
def parse_hhmm(value: str, *, allow_24: bool) -> time | None:
    """A sending-hours bound: `time`, or None for "24:00" (the end of the day, only if allowed)."""
    if allow_24 and value == "24:00":
        return None
    match = _HHMM.fullmatch(value)
    if match is None:
        also = ' or "24:00"' if allow_24 else ""
        raise ValueError(f'must be a time "HH:MM" from "00:00" to "23:59"{also}, not {value!r}')
    return time(int(match[1]), int(match[2]))


def format_hhmm(value: time | None) -> str:
    return "24:00" if value is None else value.strftime("%H:%M")


def parse_days(names: Iterable[str]) -> frozenset[int]:
    """Weekday numbers (0 = Monday) from names "mon" … "sun"; ValueError names the unknown one."""
    days = set()
    for name in names:
        if name not in DAY_NAMES:
            raise ValueError(f"unknown day {name!r} (use {', '.join(DAY_NAMES)})")
        days.add(DAY_NAMES.index(name))
    return frozenset(days)


def format_days(days: Iterable[int]) -> list[str]:
    return [DAY_NAMES[day] for day in sorted(days)]


@dataclass(frozen=True)
class SendingWindow:
    time_zone: str
    days: frozenset[int]
    start: time
    end: time | None  # None: 24:00, the end of the day
    holidays: frozenset[date]

    def __post_init__(self) -> None:
        ZoneInfo(self.time_zone)  # an unknown zone fails here, not at the first send
        if not self.days <= frozenset(range(7)):
            raise ValueError(f"days must be weekday numbers 0 to 6, not {sorted(self.days)}")
        if self.end is not None and self.end <= self.start:
            raise ValueError("the sending hours must end after they start")

    @classmethod
    def of_team(cls, team: Team) -> SendingWindow:
        return cls(
            time_zone=team.time_zone,
            days=parse_days(name.strip() for name in team.sending_days.split(",") if name.strip()),
            start=parse_hhmm(team.sending_start, allow_24=False),
            end=parse_hhmm(team.sending_end, allow_24=True),
            holidays=frozenset(date.fromisoformat(day) for day in team.holidays or ()),
        )

    @classmethod
    def default(cls, time_zone: str = "UTC") -> SendingWindow:
        return cls(time_zone, WORKDAYS, time(8), time(18), frozenset())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)  # ZoneInfo caches its instances

    def is_open_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def hours_of(self, day: date) -> tuple[datetime, datetime]:
        """The UTC instants [open, close) of a day's sending hours; empty if both fall in a gap."""
        opens = local_instant(day, self.start, self.zone)
        if self.end is None:
            return opens, local_instant(day + timedelta(days=1), time(0), self.zone)
        return opens, local_instant(day, self.end, self.zone)

    def contains(self, at: datetime) -> bool:
        at = as_utc(at)
        day = at.astimezone(self.zone).date()
        if not self.is_open_day(day):
            return False
        opens, closes = self.hours_of(day)
        return opens <= at < closes


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local date and time: the first occurrence of a repeated time, and the
    first instant after the gap for a skipped one."""
    local = datetime.combine(day, wall).replace(fold=0)  # a `time` may carry a fold of its own
    first = local.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the earlier reading
    if first.astimezone(zone).replace(tzinfo=None) == local:
        return first
    # In a gap, fold=0 reads the time with the offset before the change (an instant after it) and
    # fold=1 with the offset after (an instant before it): the change lies between. Transitions
    # fall on whole seconds, so a search over seconds finds it exactly.
    before = int(local.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    after = int(first.timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= local:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


def local_day_bounds(day: date, time_zone: str) -> tuple[datetime, datetime]:
    """UTC instants [start, end) of a local day."""
    zone = ZoneInfo(time_zone)
    return local_instant(day, time(0), zone), local_instant(day + timedelta(days=1), time(0), zone)


def open_at(at: datetime, window: SendingWindow) -> datetime:
    """The first instant at or after `at` inside the sending hours (aware UTC)."""
    if not window.days:
        raise ValueError("no sending day: the sending hours are never open")
    at = as_utc(at)
    day = at.astimezone(window.zone).date()
    # Each open day has hours unless a DST gap swallows them whole, and holidays are finite: this
    # many days always reach an open one.
    for _ in range(len(window.holidays) + 8 + 7):
        if window.is_open_day(day):
            opens, closes = window.hours_of(day)
            if at < closes and opens < closes:
                return max(at, opens)
        day += timedelta(days=1)
    raise ValueError("the sending hours are never open")


def add_days(day: date, count: int, *, business_days: bool, holidays: frozenset[date]) -> date:
    """`day` plus `count` days; business days skip Saturdays, Sundays and holidays."""
    if count < 0:
        raise ValueError(f"a delay is 0 days or more, not {count}")
    if not business_days:
        return day + timedelta(days=count)
    while count:
        day += timedelta(days=1)
        if day.weekday() in WORKDAYS and day not in holidays:
            count -= 1
    return day


def due_at(
    base: datetime, *, delay_days: int, business_days: bool, window: SendingWindow
) -> datetime:
    """When a stage is due: `delay_days` after `base` at the same local wall-clock time (09:00
    stays 09:00 across a DST change), then the first instant inside the sending hours."""
    base = as_utc(base)
    local = base.astimezone(window.zone)
    day = add_days(local.date(), delay_days, business_days=business_days, holidays=window.holidays)
    # Re-reading base's own date could pick the first occurrence of a repeated time, before base.
    moved = base if day == local.date() else local_instant(day, local.time(), window.zone)
    return open_at(moved, window)
