"""The per-database SQL of the stats queries, on both databases, and how SQLite reads a period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Date, event, literal, select
from sqlalchemy.orm import Session

from reachout.kit.sql import micros_between, monday_of
from reachout.models.base import UTCDateTime
from reachout.stats.queries import monday
from reachout.stats.schemas import GroupBy, StatsQuery, StatsView
from reachout.stats.service import outreach_stats
from tests.factories import at, make_team

EDGES = [
    *(date(2026, 12, 24) + timedelta(days=n) for n in range(16)),  # a year's turn, all weekdays
    date(2027, 1, 4),
    date(2028, 2, 29),
    *(date(1, 1, 1) + timedelta(days=n) for n in range(8)),  # 1 Jan of year 1 is a Monday
    *(date(9999, 12, 31) - timedelta(days=n) for n in range(8)),
]


def test_monday_of_is_the_iso_weeks_monday(session: Session) -> None:
    for day in EDGES:
        got = session.scalar(select(monday_of(literal(day, Date()))))
        assert got == monday(day) == day - timedelta(days=day.isoweekday() - 1), day
        assert got.isocalendar()[:2] == day.isocalendar()[:2]


@pytest.mark.parametrize(
    ("start", "end", "micros"),
    [
        (at("2026-03-08 06:59"), at("2026-03-08 06:59"), 0),
        (at("2026-03-08 06:59"), at("2026-03-08 07:01"), 120_000_000),
        (
            datetime.fromisoformat("2026-03-08T06:59:59.999999+00:00"),
            datetime.fromisoformat("2026-03-08T07:00:00.000001+00:00"),
            2,
        ),
        (
            datetime.fromisoformat("2024-02-28T23:00:00.250000+00:00"),
            datetime.fromisoformat("2027-02-28T23:00:00.000000+00:00"),
            (366 + 365 + 365) * 86_400_000_000 - 250_000,
        ),
    ],
)
def test_micros_between_is_exact(
    session: Session, start: datetime, end: datetime, micros: int
) -> None:
    stamp = UTCDateTime()
    got = session.scalar(select(micros_between(literal(start, stamp), literal(end, stamp))))
    assert got == micros == (end - start) // timedelta(microseconds=1)


@pytest.fixture
def statements(session: Session) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (and parameters) the session sends, while the test runs."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize(
    ("view", "group_by", "index"),
    [
        ("activity", None, "PRIMARY KEY"),
        ("activity", "week", "PRIMARY KEY"),
        ("activity", "project", "PRIMARY KEY"),
        ("cohort", None, "COVERING INDEX ix_thread_team_start"),
        ("cohort", "channel", "COVERING INDEX ix_thread_team_start"),
        ("cohort", "stage", "COVERING INDEX ix_thread_team_start"),
    ],
)
def test_sqlite_reads_one_period_of_one_team_through_an_index(
    session: Session,
    statements: list[tuple[str, Any]],
    view: str,
    group_by: str | None,
    index: str,
) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the plan of SQLite's statements; PostgreSQL plans by its own statistics")
    _, admin = make_team(session)
    query = StatsQuery(
        view=StatsView(view),
        group_by=GroupBy(group_by) if group_by else None,
        from_=date(2026, 1, 1),
        to=date(2026, 1, 31),
    )
    statements.clear()
    outreach_stats(session, actor=admin, query=query)
    reads = [
        (sql, p) for sql, p in statements if "FROM activity_day" in sql or "FROM thread" in sql
    ]
    assert reads
    for sql, parameters in reads:
        explained = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters)
        plan = " | ".join(row[3] for row in explained)
        assert f"USING {index} (team_id=? AND " in plan, plan
        # No table is scanned whole (a subquery's rows may be: SCAN (subquery-1)).
        assert "SCAN thread" not in plan and "SCAN activity_day" not in plan, plan
        if view == "activity" and group_by != "project":
            # Days come in the table's order: aggregated as they are read, never sorted.
            assert "TEMP B-TREE" not in plan, plan
