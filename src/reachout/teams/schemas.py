from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from reachout.kit.time import bounded_day, is_time_zone
from reachout.kit.types import StrictInt, no_nul
from reachout.sequences.schedule import format_hhmm, parse_hhmm

if TYPE_CHECKING:
    from reachout.models import Team

MAX_HOLIDAYS = 366
MAX_DAILY_SEND_CAP = 10_000


class Weekday(StrEnum):
    mon = "mon"
    tue = "tue"
    wed = "wed"
    thu = "thu"
    fri = "fri"
    sat = "sat"
    sun = "sun"


# In week order: the names the sender reads (sequences.schedule.DAY_NAMES).
WEEKDAYS = list(Weekday)


def _time_of_day(value: str, *, allow_24: bool) -> str:
    # Read as the sender reads it (sequences.schedule), and stored as it writes it; ASCII
    # digits only, which its pattern alone would not hold to.
    if not value.isascii():
        raise ValueError(f"must be a time HH:MM, not {value[:20]!r}")
    return format_hhmm(parse_hhmm(value, allow_24=allow_24))


def _start_time(value: str) -> str:
    return _time_of_day(value, allow_24=False)


def _end_time(value: str) -> str:
    # The end of the day is 24:00, so that sending can run up to midnight.
    return _time_of_day(value, allow_24=True)


def _day_text(value: Any) -> Any:
    # Only "YYYY-MM-DD": pydantic alone would also read a number as a Unix time.
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a date, YYYY-MM-DD")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
        raise ValueError(f"must be a date, YYYY-MM-DD, not {value[:40]!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a day of the calendar") from None


Holiday = Annotated[date, BeforeValidator(_day_text), AfterValidator(bounded_day)]


class SendingHours(BaseModel):
    """When a sequence's email may go out (SPEC §9), in the team's time zone."""

    model_config = ConfigDict(extra="forbid")

    days: list[Weekday] = Field(description="Some of mon … sun, at least one")
    start: Annotated[str, AfterValidator(_start_time)] = Field(description="HH:MM, e.g. 08:00")
    end: Annotated[str, AfterValidator(_end_time)] = Field(
        description="HH:MM after start; 24:00 is the end of the day"
    )

    @field_validator("days")
    @classmethod
    def _some_days(cls, value: list[Weekday]) -> list[Weekday]:
        if not value:
            raise ValueError("choose at least one day")
        return [day for day in WEEKDAYS if day in value]  # in week order, each once

    @model_validator(mode="after")
    def _start_before_end(self) -> SendingHours:
        # Zero-padded times compare as text, and "24:00" after every other.
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self


class TeamRead(BaseModel):
    id: int
    name: str
    time_zone: str
    reengage_after_days: int | None
    sending_hours: SendingHours
    holidays: list[str] = Field(description="YYYY-MM-DD, in order")
    daily_send_cap: int = Field(description="Emails per sender per day of the team's calendar")

    @classmethod
    def of(cls, team: Team) -> TeamRead:
        return cls(
            id=team.id,
            name=team.name,
            time_zone=team.time_zone,
            reengage_after_days=team.reengage_after_days,
            sending_hours=sending_hours_of(team),
            holidays=sorted(set(team.holidays)),
            daily_send_cap=team.daily_send_cap,
        )


def sending_hours_of(team: Team) -> SendingHours:
    return SendingHours.model_construct(
        days=[Weekday(d) for d in team.sending_days.split(",") if d],
        start=team.sending_start,
        end=team.sending_end,
    )


TeamName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(no_nul),
]


class TeamUpdate(BaseModel):
    """The fields to change; each one given replaces the team's whole value."""

    model_config = ConfigDict(extra="forbid")

    name: TeamName | None = None
    time_zone: str | None = Field(default=None, description="IANA time zone, e.g. Europe/Paris")
    reengage_after_days: StrictInt | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Auto treats an outreach after more than N silent days as initial; null: off",
    )
    sending_hours: SendingHours | None = Field(
        default=None, description="Days and local times when sequence email may be sent"
    )
    holidays: list[Holiday] | None = Field(
        default=None, description=f"Days no sequence email is sent, at most {MAX_HOLIDAYS}"
    )
    daily_send_cap: StrictInt | None = Field(
        default=None,
        ge=1,
        le=MAX_DAILY_SEND_CAP,
        description="Sequence emails per sender per day of the team's calendar",
    )

    @field_validator("name", "time_zone", "sending_hours", "holidays", "daily_send_cap")
    @classmethod
    def _not_cleared(cls, value: Any) -> Any:
        # Only runs for a field that was sent: leaving it out keeps it, null cannot clear it
        # (the column is NOT NULL: a null must be a 422 here, not a failed write, a 409).
        if value is None:
            raise ValueError("cannot be empty")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not is_time_zone(value):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Paris)")
        return value

    @field_validator("holidays")
    @classmethod
    def _few_holidays(cls, value: list[date] | None) -> list[date] | None:
        if value is None:
            return None
        days = sorted(set(value))
        if len(days) > MAX_HOLIDAYS:
            raise ValueError(f"at most {MAX_HOLIDAYS} holidays")
        return days
