"""The Outreach Stats page (SPEC §4): the API's stats as cards, a chart, a table and a CSV."""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from reachout.errors import Invalid
from reachout.kit import time as clock
from reachout.kit.csvfile import CsvWriter
from reachout.models import User
from reachout.routing import get_session
from reachout.stats import service
from reachout.stats.schemas import GroupBy, OutreachStats, StageGroup, StatsQuery, StatsView
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
SCOPES = {"team": "Team", "my": "My"}
VIEWS = {"cohort": "Cohort", "activity": "Activity"}
GROUP_BYS = {
    "": "None",
    "channel": "Channel",
    "user": "Team member",
    "project": "Project",
    "day": "Day",
    "week": "Week",
    "stage": "Stage (cohort only)",
}
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
FIELDS = ("view", "scope", "period", "from", "to", "project_id", "user_id", "channel", "group_by")


def fmt(value: Any, kind: str) -> str:
    """A metric as the page shows it."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "hours":
        return f"{float(value):.1f}"
    return str(value)


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


def _form(request: Request) -> dict[str, str]:
    params = request.query_params
    form = {name: params.get(name, "").strip() for name in FIELDS}
    form["view"] = form["view"] or "cohort"
    form["scope"] = form["scope"] or "team"
    form["period"] = form["period"] or "30"
    return form


def compute(request: Request, session: Session, user: User) -> Stats:
    """The form read from the query string, and the service's answer or its error."""
    form = _form(request)
    try:
        if form["scope"] not in SCOPES:
            raise Invalid.on("scope", "choose My or Team")
        if form["period"] not in PERIODS:
            raise Invalid.on("period", "choose a period")
        data: dict[str, Any] = {
            k: form[k]
            for k in ("view", "from", "to", "project_id", "user_id", "channel", "group_by")
        }
        preset = period_days(
            form["period"], today=clock.local_day(clock.now(), user.team.time_zone)
        )
        if preset is not None:
            data["from"], data["to"] = preset[0].isoformat(), preset[1].isoformat()
            form["from"], form["to"] = data["from"], data["to"]
        if form["scope"] == "my":
            data["user_id"] = user.id
        query = validate(StatsQuery, data)
        result = service.outreach_stats(session, actor=user, query=query)
    except Invalid as exc:
        return Stats(form=form, query=None, result=None, error=errors_by_field(exc))
    return Stats(form=form, query=query, result=result, error={})


def columns(result: OutreachStats) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """The totals' columns and the groups' columns."""
    if result.view == StatsView.activity:
        return ACTIVITY_COLUMNS, ACTIVITY_COLUMNS
    if result.group_by == GroupBy.stage:
        return COHORT_COLUMNS, STAGE_COLUMNS
    return COHORT_COLUMNS, COHORT_COLUMNS


def _chart(session: Session, user: User, stats: Stats) -> dict[str, Any]:
    """The bars: the groups, or the weeks of the period when there is no grouping."""
    assert stats.query is not None and stats.result is not None
    result = stats.result
    if result.group_by is None:
        weekly = stats.query.model_copy(update={"group_by": GroupBy.week})
        result = service.outreach_stats(session, actor=user, query=weekly)
    kind = "stage" if result.group_by == GroupBy.stage else result.view.value
    groups = [g.model_dump() for g in result.groups]
    return {
        "labels": [g["label"] for g in groups],
        "datasets": [
            {"label": label, "data": [g[field] for g in groups]}
            for field, label in CHART_BARS[kind]
        ],
    }


@router.get("/stats")
def stats_page(
    request: Request,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    stats = compute(request, session, user)
    context: dict[str, Any] = {
        "nav": "stats",
        "form": stats.form,
        "errors": stats.error,
        "r": stats.result,
        "PERIODS": PERIODS,
        "SCOPES": SCOPES,
        "VIEWS": VIEWS,
        "GROUP_BYS": GROUP_BYS,
        "fmt": fmt,
        "csv_query": request.url.query,
        **asdict(service.filter_choices(session, actor=user)),
    }
    if stats.result is None:
        return render(request, "stats.html", context, user=user, status=422)
    total_columns, group_columns = columns(stats.result)
    context.update(
        totals=stats.result.totals.model_dump(),
        total_columns=total_columns,
        group_columns=group_columns,
        groups=[g.model_dump() for g in stats.result.groups],
        chart=_chart(session, user, stats),
    )
    return render(request, "stats.html", context, user=user)


@router.get("/stats.csv")
def stats_csv(
    request: Request,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    stats = compute(request, session, user)
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
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
