"""Outreach Stats (SPEC §3): the period, the checks and the labels around the queries.

One service for the API, the CLI and the web page. Every member of a team sees the team's
stats; "my stats" is the same query with `user_id` set to oneself.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from reachout.errors import FieldError, Invalid
from reachout.kit import time as clock
from reachout.models import Team, User
from reachout.models.enums import Channel
from reachout.projects import service as projects
from reachout.sequences import service as sequences
from reachout.stats import queries
from reachout.stats.queries import ActivityCounts, CohortCounts, Key, Scope
from reachout.stats.schemas import (
    ActivityGroup,
    ActivityMetrics,
    CohortGroup,
    CohortMetrics,
    Comparison,
    GroupBy,
    OutreachStats,
    PreviousPeriod,
    StageGroup,
    StatsQuery,
    StatsView,
)
from reachout.users.service import list_users, require_team_user, user_names

DEFAULT_PERIOD_DAYS = 30
# Three years (leap days included): longer periods are not what the page is for, and a bound
# keeps a single request's work bounded.
MAX_PERIOD_DAYS = 3 * 366

CHANNEL_LABELS = {
    Channel.email: "Email",
    Channel.inmail: "InMail",
    Channel.text: "Text",
    Channel.call: "Call",
}
NO_PROJECT = "No project"
NO_SEQUENCE = "No sequence"
MICROS_PER_HOUR = 3_600_000_000
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Groups = list[CohortGroup | StageGroup | ActivityGroup]
C = TypeVar("C", CohortCounts, ActivityCounts)


def outreach_stats(session: Session, *, actor: User, query: StatsQuery) -> OutreachStats:
    """The stats of the actor's team."""
    return team_outreach_stats(session, team=actor.team, query=query)


def team_outreach_stats(session: Session, *, team: Team, query: StatsQuery) -> OutreachStats:
    """The stats of a team, for callers that act for the team rather than as one of its users."""
    first, last = stats_period(query, time_zone=team.time_zone)
    _check_filters(session, team_id=team.id, query=query)
    totals, groups = _figures(
        session, scope=_scope(team.id, first, last, query), view=query.view, group_by=query.group_by
    )
    previous = None
    if query.compare == Comparison.previous:
        before_first, before_last = previous_period(first, last)
        before = _scope(team.id, before_first, before_last, query)
        before_totals, _ = _figures(session, scope=before, view=query.view, group_by=None)
        previous = PreviousPeriod(from_=before_first, to=before_last, totals=before_totals)
    return OutreachStats(
        view=query.view,
        from_=first,
        to=last,
        time_zone=team.time_zone,
        group_by=query.group_by,
        totals=totals,
        groups=groups,
        previous=previous,
    )


def _scope(team_id: int, first: date, last: date, query: StatsQuery) -> Scope:
    return Scope(
        team_id=team_id,
        first=first,
        last=last,
        project_id=query.project_id,
        user_id=query.user_id,
        channel=query.channel.value if query.channel else None,
        sequence_id=query.sequence_id,
    )


def _figures(
    session: Session, *, scope: Scope, view: StatsView, group_by: GroupBy | None
) -> tuple[CohortMetrics | ActivityMetrics, Groups]:
    if view == StatsView.cohort:
        return _cohort(session, scope=scope, group_by=group_by)
    return _activity(session, scope=scope, group_by=group_by)


@dataclasses.dataclass(frozen=True)
class FilterChoices:
    """What the stats can be narrowed to: (id, name) of the team's projects, members and
    sequences."""

    projects: list[tuple[int, str]]
    members: list[tuple[int, str]]
    sequences: list[tuple[int, str]]


def filter_choices(session: Session, *, actor: User) -> FilterChoices:
    """The actor's team's projects (by name) and members, removed ones too: their outreach
    still counts in the period they did it."""
    return FilterChoices(
        projects=projects.choices(session, team_id=actor.team_id),
        members=[(u.id, u.name) for u in list_users(session, actor=actor)],
        sequences=[(s.id, s.name) for s in sequences.list_sequences(session, actor=actor)],
    )


def stats_period(query: StatsQuery, *, time_zone: str) -> tuple[date, date]:
    """The asked period, both days included: by default the 30 days ending today."""
    last = query.to or clock.local_day(clock.now(), time_zone)
    first = query.from_ or _days_before(last, DEFAULT_PERIOD_DAYS - 1)
    named = ["from", "to"] if query.to else ["from"]
    if first > last:
        _invalid_period(named, f"from {first} is after to {last}")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        _invalid_period(named, f"the period can be at most {MAX_PERIOD_DAYS:,} days (3 years)")
    return first, last


def previous_period(first: date, last: date) -> tuple[date, date]:
    """The period of the same length that ends the day before `first` (both days included)."""
    before_last = _days_before(first, 1)
    return _days_before(before_last, (last - first).days), before_last


def _days_before(day: date, days: int) -> date:
    return day - timedelta(days=days) if day.toordinal() > days else date.min


def _invalid_period(fields: list[str], message: str) -> None:
    raise Invalid(detail=message, errors=[FieldError(message, field=f) for f in fields])


def _check_filters(session: Session, *, team_id: int, query: StatsQuery) -> None:
    if query.view == StatsView.activity and query.group_by == GroupBy.stage:
        raise Invalid.on("group_by", "stage is a grouping of the cohort view only")
    # Another team's project or user is answered as one that does not exist.
    if query.project_id is not None:
        projects.require_project(
            session, team_id=team_id, project_id=query.project_id, field="project_id"
        )
    if query.user_id is not None:
        require_team_user(session, team_id=team_id, user_id=query.user_id, field="user_id")
    # sequence_id is not looked up: what an archived or deleted sequence made still counts, and
    # an id of no sequence of the team's (another team's too) counts nothing.


# --- cohort ----------------------------------------------------------------------------------


def _cohort(
    session: Session, *, scope: Scope, group_by: GroupBy | None
) -> tuple[CohortMetrics, Groups]:
    totals, by_key = queries.cohort_counts(session, scope=scope, group_by=group_by)
    groups: Groups
    if group_by == GroupBy.stage:
        groups = [
            StageGroup(
                key=s.stage,
                label=stage_label(s.stage),
                reached=s.reached,
                replied=s.replied,
                reply_rate=_rate(s.replied, s.reached),
            )
            for s in queries.stages_of(by_key)
        ]
    elif group_by is not None:
        labels = _labels(session, team_id=scope.team_id, group_by=group_by, keys=by_key)
        groups = [
            CohortGroup(key=_json_key(k), label=labels[k], **_cohort_metrics(c).model_dump())
            for k, c in _sorted(by_key)
        ]
    else:
        groups = []
    return _cohort_metrics(totals), groups


def _cohort_metrics(counts: CohortCounts) -> CohortMetrics:
    micros = counts.micros_to_reply
    return CohortMetrics(
        contacted=counts.contacted,
        candidates=counts.candidates,
        follow_ups=counts.follow_ups,
        replied=counts.replied,
        interested=counts.interested,
        not_interested=counts.not_interested,
        later=counts.later,
        reply_rate=_rate(counts.replied, counts.contacted),
        interested_rate=_rate(counts.interested, counts.contacted),
        # statistics.median takes the mean of the two middle values of an even count.
        median_hours_to_reply=statistics.median(micros) / MICROS_PER_HOUR if micros else None,
    )


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- activity --------------------------------------------------------------------------------


def _activity(
    session: Session, *, scope: Scope, group_by: GroupBy | None
) -> tuple[ActivityMetrics, Groups]:
    totals, by_key = queries.activity_counts(session, scope=scope, group_by=group_by)
    groups: Groups = []
    if group_by is not None:
        labels = _labels(session, team_id=scope.team_id, group_by=group_by, keys=by_key)
        groups = [
            ActivityGroup(key=_json_key(k), label=labels[k], **_activity_metrics(c).model_dump())
            for k, c in _sorted(by_key)
        ]
    return _activity_metrics(totals), groups


def _activity_metrics(counts: ActivityCounts) -> ActivityMetrics:
    # The same names: every activity metric is a count the query returns as it is.
    return ActivityMetrics(**dataclasses.asdict(counts))


# --- keys and labels -------------------------------------------------------------------------


def _sorted(by_key: dict[Key, C]) -> list[tuple[Key, C]]:
    # One grouping's keys are all of one type; None (no project) sorts last.
    return sorted(by_key.items(), key=lambda item: (item[0] is None, item[0]))


def _json_key(key: Key) -> int | str | None:
    if isinstance(key, tuple):
        return "{}:{}".format(*key)
    return key.isoformat() if isinstance(key, date) else key


def _labels(
    session: Session, *, team_id: int, group_by: GroupBy, keys: Iterable[Key]
) -> dict[Key, str]:
    if group_by == GroupBy.channel:
        return {k: CHANNEL_LABELS[Channel(str(k))] for k in keys}
    if group_by in (GroupBy.day, GroupBy.week):
        label = day_label if group_by == GroupBy.day else week_label
        return {k: label(k) for k in keys if isinstance(k, date)}
    if group_by in (GroupBy.sequence, GroupBy.sequence_stage):
        return _sequence_labels(session, team_id=team_id, keys=keys)
    ids = [k for k in keys if isinstance(k, int)]
    if group_by == GroupBy.user:
        users = user_names(session, team_id=team_id, user_ids=ids)
        by_user: dict[Key, str] = {k: users.get(k, f"User {k}") for k in ids}
        return by_user
    names = projects.names_in_team(session, team_id=team_id, project_ids=ids)
    labels: dict[Key, str] = {k: names.get(k, f"Project {k}") for k in ids}
    labels[None] = NO_PROJECT
    return labels


def _sequence_labels(session: Session, *, team_id: int, keys: Iterable[Key]) -> dict[Key, str]:
    """A sequence's name (or "Sequence <id>" if it is gone), "<name> · stage k" for a stage."""
    keys = list(keys)
    ids = {k[0] if isinstance(k, tuple) else k for k in keys}
    names = sequences.sequence_names(
        session, team_id=team_id, sequence_ids=sorted(i for i in ids if isinstance(i, int))
    )
    labels: dict[Key, str] = {None: NO_SEQUENCE}
    for key in keys:
        if isinstance(key, tuple):
            labels[key] = f"{names.get(key[0], f'Sequence {key[0]}')} · stage {key[1]}"
        elif isinstance(key, int):
            labels[key] = names.get(key, f"Sequence {key}")
    return labels


def _day(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def day_label(day: date) -> str:
    """'Mon 2 Nov 2026': in English whatever the server's locale."""
    return f"{_WEEKDAYS[day.weekday()]} {_day(day)}"


def week_label(monday: date) -> str:
    return f"Week of {_day(monday)}"


def stage_label(stage: int) -> str:
    """Touch 1 is the Initial Outreach; touch k + 1 is the k-th Follow-Up (the product's words)."""
    if stage == 1:
        return "Touch 1 (Initial Outreach)"
    return f"Touch {stage} (Follow-Up {stage - 1})"
