"""The Outreach Stats page (SPEC §4): the API's stats as cards, a chart, a table and a CSV."""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from reachout.db import Database, read_from, read_headers, replica_lag
from reachout.errors import Invalid
from reachout.kit import time as clock
from reachout.kit.csvfile import CsvWriter
from reachout.models import User
from reachout.routing import get_session
from reachout.stats import service
from reachout.stats.schemas import (
    Comparison,
    GroupBy,
    OutreachStats,
    StageGroup,
    StatsQuery,
    StatsView,
)
from reachout.users.auth import page_user
from reachout.web.forms import errors_by_field, validate
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)

PERIODS = {
    "7": "Last 7 days",
    "30": "Last 30 days",
    "90": "Last 90 days",
    "quarter": "This quarter",
    "custom": "Custom",
}
VIEWS = {"cohort": "Cohort", "activity": "Activity"}
GROUP_BYS = {
    "": "None",
    "channel": "Channel",
    "user": "Team member",
    "project": "Project",
    "day": "Day",
    "week": "Week",
    "stage": "Stage (cohort only)",
    "sequence": "Sequence",
    "sequence_stage": "Sequence stage",
}
# The table's heading of the groups' column: the same names, without the form's hint.
GROUP_HEADINGS = {k: v.removesuffix(" (cohort only)") for k, v in GROUP_BYS.items()}
# (field, heading, format) of each view's metrics, in the order the page shows them.
COHORT_COLUMNS = [
    ("contacted", "Contacted", "int"),
    ("candidates", "Candidates", "int"),
    ("follow_ups", "Follow-ups", "int"),
    ("replied", "Replied", "int"),
    ("interested", "Interested", "int"),
    ("not_interested", "Not interested", "int"),
    ("later", "Follow up later", "int"),
    ("reply_rate", "Reply rate", "rate"),
    ("interested_rate", "Interested rate", "rate"),
    ("median_hours_to_reply", "Median hours to reply", "hours"),
]
STAGE_COLUMNS = [
    ("reached", "Reached", "int"),
    ("replied", "Replied", "int"),
    ("reply_rate", "Reply rate", "rate"),
]
ACTIVITY_COLUMNS = [
    ("outreach", "Outreach", "int"),
    ("initial", "First reach outs", "int"),
    ("follow_up", "Follow-ups", "int"),
    ("replies", "Replies", "int"),
    ("interested", "Interested", "int"),
    ("not_interested", "Not interested", "int"),
    ("later", "Follow up later", "int"),
]
# The chart's bars: (field, label) per kind of group.
CHART_BARS = {
    "cohort": [("contacted", "Contacted"), ("replied", "Replied")],
    "stage": [("reached", "Reached"), ("replied", "Replied")],
    "activity": [("outreach", "Outreach"), ("replies", "Replies")],
}
# The chart's line, on its own axis (percent), beside the bars: the activity view has no rate.
CHART_RATE = {"cohort": ("reply_rate", "Reply rate"), "stage": ("reply_rate", "Reply rate")}
# Each field's input on the page, where its message goes.
FIELD_IDS = {
    "view": "stats-view",
    "period": "stats-period",
    "from": "stats-from",
    "to": "stats-to",
    "project_id": "stats-project",
    "user_id": "stats-user",
    "channel": "stats-channel",
    "sequence_id": "stats-sequence",
    "group_by": "stats-group",
}
FIELDS = tuple(FIELD_IDS)
# What to do about a value the schema refuses. The form offers each of these as a list or a
# date picker, so such a value comes from a hand-edited URL, and the schema's own words
# ("Input should be 'email', 'inmail', ...") would say less than this.
FIX = {
    "view": "choose Cohort or Activity",
    "from": "enter a date as YYYY-MM-DD",
    "to": "enter a date as YYYY-MM-DD",
    "project_id": "choose a project from the list",
    "user_id": "choose a team member from the list",
    "channel": "choose a channel from the list",
    "sequence_id": "choose a sequence from the list",
    "group_by": "choose a grouping from the list",
}


def fmt(value: Any, kind: str) -> str:
    """A metric as the page shows it."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "hours":
        return f"{float(value):.1f}"
    return str(value)


def delta(current: Any, before: Any, kind: str) -> str:
    """How a metric changed since the previous period, as the stat cards show it."""
    if current is None or before is None:
        return ""
    change = float(current) - float(before)
    if change == 0:
        return "no change"
    sign = "+" if change > 0 else "\u2212"
    if kind == "rate":
        return f"{sign}{abs(change) * 100:.1f} pts"
    if kind == "hours":
        return f"{sign}{abs(change):.1f} h"
    return f"{sign}{abs(int(change))}"


def period_days(period: str, *, today: date) -> tuple[date, date] | None:
    """The preset's first and last day; None for custom (the form's own days)."""
    if period in ("7", "30", "90"):
        return today - timedelta(days=int(period) - 1), today
    if period == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    return None


@dataclass
class Stats:
    form: dict[str, str]
    query: StatsQuery | None
    result: OutreachStats | None
    error: dict[str, str]


def _form(request: Request, user: User) -> dict[str, str]:
    params = request.query_params
    form = {name: params.get(name, "").strip() for name in FIELDS}
    form["view"] = form["view"] or "cohort"
    form["period"] = form["period"] or "30"
    # Links from when "my stats" was a control of its own: the Team member list holds "Me".
    if params.get("scope") == "my":
        form["user_id"] = str(user.id)
    return form


def resolve_period(form: dict[str, str], *, today: date) -> None:
    """A preset fills From and To with its days. Dates that differ from them were typed, and
    typed dates win: the period becomes custom (the page's script says so as they are typed)."""
    preset = period_days(form["period"], today=today)
    if preset is None:
        return
    days = (preset[0].isoformat(), preset[1].isoformat())
    if (form["from"], form["to"]) in (("", ""), days):
        form["from"], form["to"] = days
    else:
        form["period"] = "custom"


def compute(request: Request, session: Session, user: User, *, compare: bool = False) -> Stats:
    """The form read from the query string, and the service's answer or its errors; `compare`
    asks for the previous period's totals too."""
    form = _form(request, user)
    try:
        if form["period"] not in PERIODS:
            raise Invalid.on("period", "choose a period")
        resolve_period(form, today=clock.local_day(clock.now(), user.team.time_zone))
        # Every field of the form but the period, which From and To now hold.
        data: dict[str, Any] = {k: form[k] for k in FIELDS if k != "period"}
        if compare:
            data["compare"] = Comparison.previous.value
        query = validate(StatsQuery, data)
        result = service.outreach_stats(session, actor=user, query=query)
    except Invalid as exc:
        return Stats(form=form, query=None, result=None, error=messages(exc))
    return Stats(form=form, query=query, result=result, error={})


def messages(exc: Invalid) -> dict[str, str]:
    """One message per field, each said once: a message that names two fields (from is
    after to) goes under the first."""
    refused = isinstance(exc.__cause__, ValidationError)
    out: dict[str, str] = {}
    for field, message in errors_by_field(exc).items():
        # "must be ..." is the schema's own validators' (a date out of range): kept.
        if refused and field in FIX and not message.startswith("must be"):
            message = FIX[field]
        if message not in out.values():
            out[field] = message
    return out


def columns(result: OutreachStats) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """The totals' columns and the groups' columns."""
    if result.view == StatsView.activity:
        return ACTIVITY_COLUMNS, ACTIVITY_COLUMNS
    if result.group_by == GroupBy.stage:
        return COHORT_COLUMNS, STAGE_COLUMNS
    return COHORT_COLUMNS, COHORT_COLUMNS


def _chart(session: Session, user: User, stats: Stats) -> dict[str, Any]:
    """The bars: the groups, or the weeks of the period when there is no grouping; and the
    reply rate (in percent) as a line where the view has one."""
    assert stats.query is not None and stats.result is not None
    result = stats.result
    if result.group_by is None:
        weekly = stats.query.model_copy(update={"group_by": GroupBy.week, "compare": None})
        result = service.outreach_stats(session, actor=user, query=weekly)
    kind = "stage" if result.group_by == GroupBy.stage else result.view.value
    groups = [g.model_dump() for g in result.groups]
    datasets: list[dict[str, Any]] = [
        {"label": label, "data": [g[field] for g in groups]} for field, label in CHART_BARS[kind]
    ]
    if kind in CHART_RATE:
        field, label = CHART_RATE[kind]
        rates = [None if g[field] is None else round(g[field] * 100, 1) for g in groups]
        datasets.append({"label": label, "data": rates, "axis": "rate"})
    return {"labels": [g["label"] for g in groups], "datasets": datasets}


@router.get("/stats")
def stats_page(
    request: Request,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    # The figures read the read replica when there is one; the filters' choices the primary,
    # so that a project just added is offered.
    db: Database = request.app.state.db
    with db.replica_session() as figures:
        response = _stats_page(request, user, session, figures)
        response.headers.update(read_headers(figures))
    return response


def _stats_page(request: Request, user: User, session: Session, figures: Session) -> Response:
    stats = compute(request, figures, user, compare=True)
    today = clock.local_day(clock.now(), user.team.time_zone)
    context: dict[str, Any] = {
        "nav": "stats",
        "form": stats.form,
        "errors": stats.error,
        "r": stats.result,
        "PERIODS": PERIODS,
        "preset_days": {p: period_days(p, today=today) for p in PERIODS},
        "VIEWS": VIEWS,
        "GROUP_BYS": GROUP_BYS,
        "GROUP_HEADINGS": GROUP_HEADINGS,
        "FIELD_IDS": FIELD_IDS,
        "fmt": fmt,
        "delta": delta,
        "csv_query": request.url.query,
        "from_replica": read_from(figures) == "replica",
        "replica_lag": replica_lag(figures),
        **asdict(service.filter_choices(session, actor=user)),
    }
    if stats.result is None:
        return render(request, "stats.html", context, user=user, status=422)
    result = stats.result
    total_columns, group_columns = columns(result)
    context.update(
        totals=result.totals.model_dump(),
        previous=result.previous.totals.model_dump() if result.previous else None,
        total_columns=total_columns,
        group_columns=group_columns,
        groups=[g.model_dump() for g in result.groups],
        # As the CSV: stage groups have no total (touch k's counts do not add up).
        total_row=result.group_by not in (None, GroupBy.stage),
        chart=_chart(figures, user, stats),
    )
    return render(request, "stats.html", context, user=user)


@router.get("/stats.csv")
def stats_csv(
    request: Request,
    user: User = Depends(page_user),
) -> Response:
    db: Database = request.app.state.db
    with db.replica_session() as figures:
        stats = compute(request, figures, user)
        headers = read_headers(figures)
    if stats.result is None:
        detail = "; ".join(f"{k}: {v}" if k else v for k, v in stats.error.items())
        return Response(detail + "\n", status_code=422, media_type="text/plain")
    result = stats.result
    total_columns, group_columns = columns(result)
    out = io.StringIO()
    writer = CsvWriter(out)
    if result.groups:
        writer.writerow([result.group_by or "group", *(c[1] for c in group_columns)])
        for group in result.groups:
            row = group.model_dump()
            writer.writerow([group.label, *(row[c[0]] for c in group_columns)])
        if not isinstance(result.groups[0], StageGroup):
            totals = result.totals.model_dump()
            writer.writerow(["Total", *(totals[c[0]] for c in group_columns)])
    else:
        totals = result.totals.model_dump()
        writer.writerow(["group", *(c[1] for c in total_columns)])
        writer.writerow(["Total", *(totals[c[0]] for c in total_columns)])
    name = f"outreach-stats-{result.view.value}-{result.from_}-{result.to}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **headers},
    )
