"""When a stage is due: business days, sending hours and DST, checked against a plain reference
that finds instants by scanning the clock minute by minute."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.models.team import Team
from reachout.sequences.schedule import (
    SendingWindow,
    due_at,
    local_day_bounds,
    open_at,
    parse_hhmm,
)

NY = "America/New_York"
PARIS = "Europe/Paris"


def local(time_zone: str, *args: int, fold: int = 0) -> datetime:
    """An aware UTC instant from a local wall-clock reading."""
    return datetime(*args, tzinfo=ZoneInfo(time_zone), fold=fold).astimezone(UTC)  # type: ignore[misc]


def wall(instant: datetime, time_zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None)


def window(
    time_zone: str = "UTC",
    *,
    days: str = "mon,tue,wed,thu,fri",
    start: str = "08:00",
    end: str = "18:00",
    holidays: tuple[str, ...] = (),
) -> SendingWindow:
    team = Team(
        name="t",
        time_zone=time_zone,
        sending_days=days,
        sending_start=start,
        sending_end=end,
        holidays=list(holidays),
    )
    return SendingWindow.of_team(team)


# --- business days and holidays -------------------------------------------------------------


def test_business_days_skip_the_weekend() -> None:
    friday = datetime(2024, 6, 7, 10, 0, tzinfo=UTC)
    assert due_at(friday, delay_days=1, business_days=True, window=window()) == datetime(
        2024, 6, 10, 10, 0, tzinfo=UTC
    )
    assert due_at(friday, delay_days=3, business_days=True, window=window()) == datetime(
        2024, 6, 12, 10, 0, tzinfo=UTC
    )


def test_calendar_days_count_the_weekend_then_wait_for_monday() -> None:
    thursday = datetime(2024, 6, 6, 10, 0, tzinfo=UTC)
    # Two calendar days land on Saturday; the sending hours move it to Monday's start.
    assert due_at(thursday, delay_days=2, business_days=False, window=window()) == datetime(
        2024, 6, 10, 8, 0, tzinfo=UTC
    )


def test_business_days_skip_a_holiday() -> None:
    team_window = window(holidays=("2024-06-10", "2024-06-11"))
    friday = datetime(2024, 6, 7, 10, 0, tzinfo=UTC)
    assert due_at(friday, delay_days=1, business_days=True, window=team_window) == datetime(
        2024, 6, 12, 10, 0, tzinfo=UTC
    )


def test_a_holiday_closes_the_sending_hours_even_for_calendar_days() -> None:
    team_window = window(holidays=("2024-06-10",))
    sunday = datetime(2024, 6, 9, 10, 0, tzinfo=UTC)
    assert due_at(sunday, delay_days=1, business_days=False, window=team_window) == datetime(
        2024, 6, 11, 8, 0, tzinfo=UTC
    )


def test_zero_delay_is_the_base_when_it_is_inside_the_hours() -> None:
    base = datetime(2024, 6, 7, 10, 17, 3, 12, tzinfo=UTC)
    assert due_at(base, delay_days=0, business_days=True, window=window()) == base


def test_a_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="0 days or more"):
        due_at(
            datetime(2024, 6, 7, tzinfo=UTC), delay_days=-1, business_days=False, window=window()
        )


def test_business_days_follow_the_local_date() -> None:
    # Friday 21:00 in New York is already Saturday in UTC: one business day is Monday, local.
    friday_evening = local(NY, 2024, 6, 7, 21, 0)
    due = due_at(friday_evening, delay_days=1, business_days=True, window=window(NY, end="24:00"))
    assert wall(due, NY) == datetime(2024, 6, 10, 21, 0)


# --- sending hours --------------------------------------------------------------------------


def test_before_the_start_waits_for_the_start() -> None:
    assert open_at(local(PARIS, 2024, 6, 5, 6, 30), window(PARIS)) == local(PARIS, 2024, 6, 5, 8)


def test_inside_the_hours_is_unchanged() -> None:
    at = local(PARIS, 2024, 6, 5, 17, 59, 59)
    assert open_at(at, window(PARIS)) == at


def test_at_or_after_the_end_waits_for_the_next_open_day() -> None:
    assert open_at(local(PARIS, 2024, 6, 5, 18), window(PARIS)) == local(PARIS, 2024, 6, 6, 8)
    # Friday evening: Monday morning.
    assert open_at(local(PARIS, 2024, 6, 7, 19), window(PARIS)) == local(PARIS, 2024, 6, 10, 8)


def test_an_end_of_24_00_keeps_the_hours_open_to_midnight() -> None:
    late = window(PARIS, end="24:00")
    at = local(PARIS, 2024, 6, 5, 23, 59, 59)
    assert open_at(at, late) == at
    # Saturday, just after midnight, is closed.
    assert open_at(local(PARIS, 2024, 6, 8, 0, 0), late) == local(PARIS, 2024, 6, 10, 8)


def test_a_day_not_in_the_sending_days_is_closed() -> None:
    weekends = window(days="sat,sun", start="10:00", end="12:00")
    wednesday = datetime(2024, 6, 5, 11, tzinfo=UTC)
    assert open_at(wednesday, weekends) == datetime(2024, 6, 8, 10, tzinfo=UTC)
    sunday = datetime(2024, 6, 9, 11, tzinfo=UTC)
    assert open_at(sunday, weekends) == sunday


def test_no_sending_day_is_an_error_not_a_hang() -> None:
    with pytest.raises(ValueError, match="never open"):
        open_at(datetime(2024, 6, 5, tzinfo=UTC), window(days=""))


def test_the_default_window_is_weekdays_from_eight_to_six() -> None:
    assert SendingWindow.default("Asia/Tokyo") == window("Asia/Tokyo")


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="end after they start"):
        window(start="18:00", end="08:00")


def test_local_day_bounds_follow_the_time_zone() -> None:
    assert local_day_bounds(date(2024, 6, 5), NY) == (
        datetime(2024, 6, 5, 4, tzinfo=UTC),
        datetime(2024, 6, 6, 4, tzinfo=UTC),
    )
    start, end = local_day_bounds(date(2024, 3, 10), NY)  # spring forward: a 23-hour day
    assert end - start == timedelta(hours=23)
    start, end = local_day_bounds(date(2024, 11, 3), NY)  # fall back: a 25-hour day
    assert end - start == timedelta(hours=25)


@pytest.mark.parametrize(
    ("value", "allow_24", "expected"),
    [("08:00", False, time(8)), ("23:59", True, time(23, 59)), ("24:00", True, None)],
)
def test_parse_hhmm(value: str, allow_24: bool, expected: time | None) -> None:
    assert parse_hhmm(value, allow_24=allow_24) == expected


@pytest.mark.parametrize("value", ["24:00", "8:00", "08:60", "25:00", "0800", " 08:00", "24:01"])
def test_parse_hhmm_refuses(value: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_hhmm(value, allow_24=value.startswith("24:01"))


# --- DST -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time_zone", "before", "after"),
    [
        (NY, date(2024, 3, 8), date(2024, 3, 11)),  # spring forward on Sunday the 10th
        (NY, date(2024, 11, 1), date(2024, 11, 4)),  # fall back on Sunday the 3rd
        (PARIS, date(2024, 3, 29), date(2024, 4, 1)),  # spring forward on Sunday the 31st
        (PARIS, date(2024, 10, 25), date(2024, 10, 28)),  # fall back on Sunday the 27th
    ],
)
def test_nine_stays_nine_across_a_dst_change(time_zone: str, before: date, after: date) -> None:
    base = local(time_zone, before.year, before.month, before.day, 9, 0)
    for business_days, delay in ((True, 1), (False, 3)):
        due = due_at(base, delay_days=delay, business_days=business_days, window=window(time_zone))
        assert wall(due, time_zone) == datetime.combine(after, time(9))
    assert due - base != timedelta(days=3)  # the UTC gap is 71 or 73 hours, not 72


def test_a_time_in_the_spring_gap_is_the_first_instant_after_it() -> None:
    always = window(NY, days="mon,tue,wed,thu,fri,sat,sun", start="00:00", end="24:00")
    saturday = local(NY, 2024, 3, 9, 2, 30)
    due = due_at(saturday, delay_days=1, business_days=False, window=always)
    # 02:30 does not exist on 10 March in New York: clocks go from 02:00 EST to 03:00 EDT.
    assert due == datetime(2024, 3, 10, 7, 0, tzinfo=UTC)
    assert wall(due, NY) == datetime(2024, 3, 10, 3, 0)


def test_sending_hours_that_start_in_the_spring_gap_open_when_it_ends() -> None:
    sundays = window(PARIS, days="sun", start="02:30", end="05:00")
    assert open_at(datetime(2024, 3, 30, 12, tzinfo=UTC), sundays) == local(PARIS, 2024, 3, 31, 3)


def test_a_repeated_time_is_its_first_occurrence() -> None:
    always = window(NY, days="mon,tue,wed,thu,fri,sat,sun", start="00:00", end="24:00")
    saturday = local(NY, 2024, 11, 2, 1, 30)
    due = due_at(saturday, delay_days=1, business_days=False, window=always)
    assert due == local(NY, 2024, 11, 3, 1, 30, fold=0) == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)


def test_hours_that_start_in_the_repeated_hour_open_at_its_first_occurrence() -> None:
    sundays = window(NY, days="sun", start="01:30", end="05:00")
    first = local(NY, 2024, 11, 3, 1, 30, fold=0)
    assert open_at(datetime(2024, 11, 2, tzinfo=UTC), sundays) == first
    # Once open, the hours stay open through the repeated hour.
    second = local(NY, 2024, 11, 3, 1, 15, fold=1)
    assert open_at(second, sundays) == second


def test_zero_delay_from_the_second_occurrence_does_not_go_back_in_time() -> None:
    always = window(NY, days="mon,tue,wed,thu,fri,sat,sun", start="00:00", end="24:00")
    second = local(NY, 2024, 11, 3, 1, 30, fold=1)
    assert due_at(second, delay_days=0, business_days=False, window=always) == second


# --- properties against a reference ---------------------------------------------------------


def reference_instant(day: date, wall_time: time, time_zone: str) -> datetime:
    """The first minute whose local reading is at or past the given one: the first occurrence of
    a repeated time, the end of the gap for a skipped one."""
    target = datetime.combine(day, wall_time)
    guess = datetime.combine(day, wall_time, tzinfo=UTC).replace(second=0, microsecond=0)
    minute = guess - timedelta(hours=15)
    while wall(minute, time_zone) < target:
        minute += timedelta(minutes=1)
    return minute


def reference_hours(day: date, team_window: SendingWindow) -> tuple[datetime, datetime]:
    opens = reference_instant(day, team_window.start, team_window.time_zone)
    if team_window.end is None:
        return opens, reference_instant(day + timedelta(days=1), time(0), team_window.time_zone)
    return opens, reference_instant(day, team_window.end, team_window.time_zone)


def reference_open_at(at: datetime, team_window: SendingWindow) -> datetime:
    day = at.astimezone(ZoneInfo(team_window.time_zone)).date()
    while True:
        if day.weekday() in team_window.days and day not in team_window.holidays:
            opens, closes = reference_hours(day, team_window)
            if at < closes and opens < closes:
                return max(at, opens)
        day += timedelta(days=1)


# Each zone with days its clocks change: New York and Paris, Lord Howe's half hour, Santiago's at
# midnight, the day Apia skipped (30 December 2011), and UTC that never changes.
CHANGES: dict[str, list[date]] = {
    "UTC": [date(2024, 3, 10)],
    NY: [date(2024, 3, 10), date(2024, 11, 3)],
    PARIS: [date(2024, 3, 31), date(2024, 10, 27)],
    "Australia/Lord_Howe": [date(2024, 4, 7), date(2024, 10, 6)],
    "America/Santiago": [date(2024, 4, 7), date(2024, 9, 8)],
    "Pacific/Apia": [date(2011, 12, 30), date(2011, 9, 24), date(2012, 4, 1)],
    "Asia/Kathmandu": [date(1986, 1, 1)],
}
# The small hours, where clocks change, half the time.
MINUTES = st.one_of(st.integers(0, 4 * 60), st.integers(0, 24 * 60 - 1)).map(
    lambda m: time(m // 60, m % 60)
)


def days_in(time_zone: str) -> st.SearchStrategy[date]:
    """Days around the zone's clock changes half the time, else any day the product stores."""
    near = st.sampled_from(CHANGES[time_zone]).flatmap(
        lambda day: st.sampled_from([day, day, day - timedelta(days=1), day + timedelta(days=1)])
    )
    return st.one_of(near, st.dates(date(1990, 1, 1), date(2150, 12, 31)))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[SendingWindow, datetime]:
    """A window, and an instant read on its zone's clock (either fold of a repeated time)."""
    time_zone = draw(st.sampled_from(sorted(CHANGES)))
    days = days_in(time_zone)
    start, end = sorted(draw(st.lists(MINUTES, min_size=2, max_size=2, unique=True)))
    team_window = SendingWindow(
        time_zone=time_zone,
        days=frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
        start=start,
        end=None if draw(st.booleans()) else end,
        holidays=frozenset(draw(st.sets(days, max_size=4))),
    )
    reading = datetime.combine(draw(days), draw(MINUTES), tzinfo=ZoneInfo(time_zone))
    return team_window, reading.replace(fold=draw(st.integers(0, 1))).astimezone(UTC)


@settings(max_examples=300, deadline=None)
@given(scenario=scenarios(), delay=st.integers(0, 12), business=st.booleans())
def test_due_at_is_never_early_and_always_inside_the_hours(
    scenario: tuple[SendingWindow, datetime], delay: int, business: bool
) -> None:
    team_window, base = scenario
    due = due_at(base, delay_days=delay, business_days=business, window=team_window)
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)
    assert due >= base
    day = due.astimezone(ZoneInfo(team_window.time_zone)).date()
    assert day.weekday() in team_window.days
    assert day not in team_window.holidays
    opens, closes = reference_hours(day, team_window)
    assert opens <= due < closes
    assert team_window.contains(due)
    assert open_at(due, team_window) == due


@settings(max_examples=300, deadline=None)
@given(scenario=scenarios())
def test_open_at_is_the_first_open_instant_and_idempotent(
    scenario: tuple[SendingWindow, datetime],
) -> None:
    team_window, at = scenario
    opened = open_at(at, team_window)
    assert opened == reference_open_at(at, team_window)
    assert open_at(opened, team_window) == opened
