"""Outreach Stats: every view and grouping, over the default 30 days and over 90 days."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from bench.config import Config
from bench.statements import recorded
from bench.targets import Target
from bench.timing import Timings, ms, repeat
from reachout.kit.time import local_day, now
from reachout.models import User
from reachout.stats.schemas import (
    ActivityMetrics,
    CohortMetrics,
    GroupBy,
    OutreachStats,
    StatsQuery,
    StatsView,
)
from reachout.stats.service import outreach_stats

TITLE = "Outreach Stats"
# SPEC §6: any grouped query over a million touchpoints well under half a second; issue 20's
# targets, for every view and grouping over 90 days: a median under 150 ms on SQLite and under
# 100 ms on PostgreSQL.
TARGET_MS = {"sqlite": 150.0, "postgresql": 100.0}
GROUPINGS = {
    StatsView.cohort: [None, *GroupBy],
    StatsView.activity: [None, *(g for g in GroupBy if g != GroupBy.stage)],
}
PERIODS = {"30 days (default)": None, "90 days": 90}

Case = tuple[StatsView, GroupBy | None, str]


@dataclass
class StatsFigures:
    timings: dict[Case, Timings] = field(default_factory=dict)
    # What each query counted (threads started, or touchpoints), and how many groups.
    sizes: dict[Case, tuple[int, int]] = field(default_factory=dict)
    # For each query slower than its target: its statements and their plans.
    plans: dict[Case, list[tuple[str, str]]] = field(default_factory=dict)


def measure(target: Target, config: Config) -> StatsFigures:
    figures = StatsFigures()
    for view, groupings in GROUPINGS.items():
        for group_by in groupings:
            for period, days in PERIODS.items():
                case = (view, group_by, period)
                query = _query(target, view=view, group_by=group_by, days=days)
                figures.timings[case] = repeat(partial(_ask, target, query), config.runs)
                figures.sizes[case] = _size(_ask(target, query))
                if figures.timings[case].median_ms > TARGET_MS[target.key]:
                    figures.plans[case] = _plans(target, query)
    return figures


def _query(
    target: Target, *, view: StatsView, group_by: GroupBy | None, days: int | None
) -> StatsQuery:
    if days is None:
        return StatsQuery(view=view, group_by=group_by)
    with target.db.unit_of_work(write=False) as session:
        zone = session.get_one(User, target.admin_id).team.time_zone
    today = local_day(now(), zone)
    return StatsQuery(
        view=view, group_by=group_by, from_=today - timedelta(days=days - 1), to=today
    )


def _ask(target: Target, query: StatsQuery) -> OutreachStats:
    """One request's work: a session, the admin, the stats."""
    with target.db.unit_of_work(write=False) as session:
        actor = session.get_one(User, target.admin_id)
        return outreach_stats(session, actor=actor, query=query)


def _size(stats: OutreachStats) -> tuple[int, int]:
    totals = stats.totals
    if isinstance(totals, CohortMetrics):
        counted = totals.contacted
    else:
        assert isinstance(totals, ActivityMetrics)
        counted = totals.outreach + totals.replies
    return counted, len(stats.groups)


def _plans(target: Target, query: StatsQuery) -> list[tuple[str, str]]:
    """The plan of the statement a slow query spent most time in (PostgreSQL: run again,
    with its timings)."""
    with recorded(target.db.engine) as seen:
        _ask(target, query)
    slowest = max(seen, key=lambda s: s.seconds)
    explain = "EXPLAIN (ANALYZE, BUFFERS) " if target.key == "postgresql" else "EXPLAIN QUERY PLAN "
    with target.db.engine.connect() as conn:
        rows = conn.exec_driver_sql(explain + slowest.sql, slowest.parameters).all()
    shown = f"{slowest.sql.strip()}\n-- parameters: {slowest.parameters}"
    return [(shown, _plan_text(rows))]


def _plan_text(rows: Sequence[Any]) -> str:
    if rows and len(rows[0]) == 1:  # PostgreSQL: one line per row, indented already
        return "\n".join(str(row[0]) for row in rows)
    # SQLite: (id, parent, notused, detail): indented by depth, as the sqlite3 shell shows it.
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + str(detail))
    return "\n".join(lines)


def render(figures: dict[str, StatsFigures], config: Config) -> str:
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    first = next(iter(figures.values()))
    lines = [
        "SPEC §6: any cohort or activity query with a group-by well under half a second; "
        f"the targets (issue 20): a median under {TARGET_MS['sqlite']:.0f} ms on SQLite and "
        f"under {TARGET_MS['postgresql']:.0f} ms on PostgreSQL, for every view and grouping; "
        "a median over its database's target is in bold. "
        f"`outreach_stats` as the API calls it (a read session, the admin, the query), "
        f"{config.runs} runs of each; milliseconds, median / p95 / max. *Counted*: threads "
        "started in the period (cohort) or touchpoints in it (activity), and groups.",
    ]
    for view in GROUPINGS:
        lines += [
            "",
            f"**{view.value.capitalize()} view**",
            "",
            "| group_by | period | counted | "
            + " | ".join(f"{names[k]} median | p95 | max" for k in figures)
            + " |",
            "| --- | --- | ---: | " + " | ".join("---: | ---: | ---:" for _ in figures) + " |",
        ]
        for case, size in first.sizes.items():
            if case[0] != view:
                continue
            cells = []
            for key, f in figures.items():
                t = f.timings[case]
                median = ms(t.median_ms)
                cells.append(
                    f"{'**' + median + '**' if t.median_ms > TARGET_MS[key] else median} | "
                    f"{ms(t.p95_ms)} | {ms(t.max_ms)}"
                )
            group = case[1].value if case[1] else "(none)"
            counted = f"{size[0]:,} / {size[1]:,}"
            lines.append(f"| {group} | {case[2]} | {counted} | " + " | ".join(cells) + " |")
    if any(f.sizes != first.sizes for f in figures.values()):
        lines += ["", "*Counted* is the first database's; the others counted differently."]
    lines += ["", _slow_summary(figures, names)]
    return "\n".join(lines)


def _slow_summary(figures: dict[str, StatsFigures], names: dict[str, str]) -> str:
    slow = [(k, case) for k, f in figures.items() for case in f.plans]
    if not slow:
        return "Every query's median is under its database's target."
    lines = [
        "Over the target (median), in bold above; the plan of the statement each spent "
        "most time in (PostgreSQL: `EXPLAIN (ANALYZE, BUFFERS)`; SQLite: `EXPLAIN QUERY PLAN`):"
    ]
    for key, case in slow:
        view, group_by, period = case
        label = f"{names[key]}, {view.value} view, group_by {group_by or '(none)'}, {period}"
        for statement, plan in figures[key].plans[case]:
            lines += [
                "",
                f"<details><summary>{label}</summary>",
                "",
                "```sql",
                statement,
                "```",
                "",
                "```",
                plan,
                "```",
                "",
                "</details>",
            ]
    return "\n".join(lines)
