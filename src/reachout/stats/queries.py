"""The SQL behind Outreach Stats (SPEC §3): aggregates over one period of one team.

The cohort view reads the derived `thread` table (one row per thread), the activity view the
derived `activity_day` counts; reachout.projection keeps both in step with the touchpoint
ledger, and stats only reads them. Every statement on them starts from `readable`, which
scopes it to one team, so no query here can count another team's rows. The team's users and
projects are read only for their names, again within the team.

Both views aggregate in SQL. The one per-thread value that reaches Python is each replied
thread's time to reply (stored in the thread as integer microseconds), gathered into one
string per group: the median is exact in Python and has no portable SQL form.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, case, cast, distinct, func, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from reachout.kit.sql import totals_in_grouped_pass
from reachout.models import ActivityDay, Thread
from reachout.models.activity import NO_PROJECT_KEY, NO_SEQUENCE_KEY
from reachout.models.enums import ReplyStatus
from reachout.stats.schemas import GroupBy

# A group's key as the database gives it: a channel, a user, project or sequence id (None: no
# project, no sequence), a date (day or week), a (sequence id, stage) pair.
Key = str | int | date | tuple[int, int] | None


@dataclass(frozen=True)
class Scope:
    """One period of one team (days in the team's time zone, both included), and filters."""

    team_id: int
    first: date
    last: date
    project_id: int | None = None
    user_id: int | None = None
    channel: str | None = None
    sequence_id: int | None = None


@dataclass(frozen=True)
class _Derived:
    """The columns of a derived table that a Scope selects rows by."""

    team: InstrumentedAttribute[Any]
    day: InstrumentedAttribute[Any]
    project: InstrumentedAttribute[Any]
    user: InstrumentedAttribute[Any]
    channel: InstrumentedAttribute[Any]
    sequence: InstrumentedAttribute[Any]


THREADS = _Derived(
    Thread.team_id,
    Thread.start_day,
    Thread.project_id,
    Thread.user_id,
    Thread.channel,
    Thread.sequence_id,
)
# A project's activity is under its id, a sequence's under its id; NO_PROJECT_KEY and
# NO_SEQUENCE_KEY (never ids) under none.
ACTIVITY = _Derived(
    ActivityDay.team_id,
    ActivityDay.local_day,
    ActivityDay.project_key,
    ActivityDay.user_id,
    ActivityDay.channel,
    ActivityDay.sequence_key,
)


def readable(source: _Derived, scope: Scope, *columns: Any) -> Select[Any]:
    """`columns` over the rows of a derived table (THREADS or ACTIVITY) in the scope: its
    team's only, in its period and filters. Every stats query on those tables starts here."""
    conditions = [
        source.team == scope.team_id,
        source.day >= scope.first,
        source.day <= scope.last,
    ]
    for column, value in (
        (source.project, scope.project_id),
        (source.user, scope.user_id),
        (source.channel, scope.channel),
        (source.sequence, scope.sequence_id),
    ):
        if value is not None:
            conditions.append(column == value)
    return select(*columns).where(*conditions)


def monday(day: date) -> date:
    """The Monday that starts a date's ISO week (the key of a `week` group)."""
    return day - timedelta(days=day.weekday())


# --- cohort ----------------------------------------------------------------------------------


@dataclass
class CohortCounts:
    contacted: int = 0
    candidates: int = 0
    follow_ups: int = 0
    replied: int = 0
    interested: int = 0
    not_interested: int = 0
    later: int = 0
    # Microseconds from the initial to the first reply, one per replied thread.
    micros_to_reply: list[int] = field(default_factory=list)

    @classmethod
    def total_of(cls, groups: Iterable[CohortCounts]) -> CohortCounts:
        """The sum of disjoint groups: right for every count but `candidates`, which a candidate
        with threads in two groups would be counted in twice."""
        total = cls()
        for g in groups:
            for name in _ADDITIVE:
                setattr(total, name, getattr(total, name) + getattr(g, name))
            total.micros_to_reply += g.micros_to_reply
        return total


_ADDITIVE = ("contacted", "follow_ups", "replied", "interested", "not_interested", "later")

_COHORT_COUNTS: list[ColumnElement[Any]] = [
    func.count(),
    func.count(distinct(Thread.candidate_id)),
    func.coalesce(func.sum(Thread.follow_ups), 0),
    func.count(Thread.reply_micros),
    *(func.count(case((Thread.latest_reply_status == status.value, 1))) for status in ReplyStatus),
    # The replied threads' times to reply, in the same pass as the counts: one read of the
    # period's threads instead of two, and one string to split rather than a row per thread.
    # Threads with no reply add nothing.
    func.aggregate_strings(cast(Thread.reply_micros, String), ","),
]


def _thread_key(group_by: GroupBy) -> tuple[Any, ...]:
    """The thread columns a grouping's key is made of."""
    keys: dict[GroupBy, tuple[Any, ...]] = {
        GroupBy.channel: (Thread.channel,),
        GroupBy.user: (Thread.user_id,),
        GroupBy.project: (Thread.project_id,),
        GroupBy.day: (Thread.start_day,),
        # Weeks are grouped in SQL (distinct candidates cannot be added up from days), on the
        # Monday each thread stores, so that no row computes it while the query runs.
        GroupBy.week: (Thread.start_week,),
        GroupBy.sequence: (Thread.sequence_id,),
        GroupBy.sequence_stage: (Thread.sequence_id, Thread.sequence_stage),
        # Stage k is made of the threads with k or more outreach before their first reply.
        GroupBy.stage: (Thread.outreach_before_reply,),
    }
    return keys[group_by]


def _pair(sequence_id: int | None, stage: int | None) -> Key:
    """A sequence_stage key: (sequence id, stage), or None outside sequences."""
    return None if not sequence_id else (sequence_id, stage or 0)


def _counts_of(row: Sequence[Any]) -> CohortCounts:
    *numbers, micros = row
    contacted, candidates, follow_ups, replied, interested, not_interested, later = map(
        int, numbers
    )
    return CohortCounts(
        contacted=contacted,
        candidates=candidates,
        follow_ups=follow_ups,
        replied=replied,
        interested=interested,
        not_interested=not_interested,
        later=later,
        micros_to_reply=[int(m) for m in micros.split(",")] if micros else [],
    )


def cohort_counts(
    session: Session, *, scope: Scope, group_by: GroupBy | None
) -> tuple[CohortCounts, dict[Key, CohortCounts]]:
    """The period's totals and, with `group_by`, its groups by the thread's initial. For
    `stage`, the groups are keyed by the outreach before each thread's first reply (all of
    them if none), and count at least the threads (`contacted`) and the replied ones: what
    `stages_of` makes the stages of."""
    if group_by is None:
        return _counts_of(session.execute(readable(THREADS, scope, *_COHORT_COUNTS)).one()), {}
    key = _thread_key(group_by)
    if totals_in_grouped_pass(session):
        return _with_totals(session, scope=scope, group_by=group_by, key=key)
    if group_by == GroupBy.stage:
        # Only the threads and replies by depth, beside the totals: counting candidates in
        # each depth too would cost a second sort of the period's threads.
        depth = Thread.outreach_before_reply
        per_depth = readable(THREADS, scope, depth, func.count(), func.count(Thread.reply_micros))
        groups: dict[Key, CohortCounts] = {
            int(d): CohortCounts(contacted=int(n), replied=int(r))
            for d, n, r in session.execute(per_depth.group_by(depth))
        }
        return cohort_counts(session, scope=scope, group_by=None)[0], groups
    rows = session.execute(readable(THREADS, scope, *key, *_COHORT_COUNTS).group_by(*key))
    groups = {_group_key(group_by, row[: len(key)]): _counts_of(row[len(key) :]) for row in rows}
    totals = CohortCounts.total_of(groups.values())
    # Candidates, each counted once whatever groups they are in. Grouped rather than
    # count(DISTINCT): SQLite sorts the ids once then instead of adding each to a b-tree of
    # distinct values, a third faster (25 against 35 ms for 90 days at a million touchpoints).
    candidates = readable(THREADS, scope, Thread.candidate_id).group_by(Thread.candidate_id)
    totals.candidates = session.scalar(select(func.count()).select_from(candidates.subquery())) or 0
    return totals, groups


def _with_totals(
    session: Session, *, scope: Scope, group_by: GroupBy, key: tuple[Any, ...]
) -> tuple[CohortCounts, dict[Key, CohortCounts]]:
    """`cohort_counts` in one read of the period's threads: the groups, and the totals as the
    row of the empty grouping set (`grouping(key)` 1), candidates counted once however many
    groups they are in. A second query for the distinct candidates would read every thread of
    the period again."""
    statement = readable(THREADS, scope, func.grouping(*key), *key, *_COHORT_COUNTS).group_by(
        func.grouping_sets(tuple_(*key), tuple_())
    )
    totals, groups = CohortCounts(), dict[Key, CohortCounts]()
    for total, *row in session.execute(statement):
        if total:
            totals = _counts_of(row[len(key) :])
        else:
            groups[_group_key(group_by, row[: len(key)])] = _counts_of(row[len(key) :])
    return totals, groups


def _group_key(group_by: GroupBy, key: Sequence[Any]) -> Key:
    if group_by == GroupBy.sequence_stage:
        return _pair(key[0], key[1])
    if group_by == GroupBy.stage:
        return int(key[0])
    return key[0]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class StageCounts:
    stage: int
    reached: int
    replied: int


def stages_of(by_depth: dict[Key, CohortCounts]) -> list[StageCounts]:
    """Stage k, from the threads by outreach before their first reply (`cohort_counts` by
    stage): the threads with at least k outreach before their first reply (or in all), and
    the replied ones among them whose first reply came after exactly k."""
    threads = {int(depth): c.contacted for depth, c in by_depth.items()}  # type: ignore[arg-type]
    replied = {int(depth): c.replied for depth, c in by_depth.items()}  # type: ignore[arg-type]
    stages = []
    reached = sum(threads.values())
    for k in range(1, max(threads, default=0) + 1):
        stages.append(StageCounts(stage=k, reached=reached, replied=replied.get(k, 0)))
        reached -= threads.get(k, 0)
    return stages


# --- activity --------------------------------------------------------------------------------


@dataclass
class ActivityCounts:
    outreach: int = 0
    initial: int = 0
    follow_up: int = 0
    replies: int = 0
    interested: int = 0
    not_interested: int = 0
    later: int = 0

    def add(self, other: ActivityCounts) -> None:
        for name in _ACTIVITY_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


_ACTIVITY_NAMES = [f.name for f in fields(ActivityCounts)]


def _activity_key(group_by: GroupBy | None) -> tuple[Any, ...]:
    """The activity_day columns a grouping's key is made of."""
    a = ActivityDay
    keys: dict[GroupBy | None, tuple[Any, ...]] = {
        GroupBy.channel: (a.channel,),
        GroupBy.user: (a.user_id,),
        GroupBy.project: (a.project_key,),
        # Days are read in the table's order, which lets SQLite aggregate as it reads instead
        # of sorting first; weeks and the totals are added up here from the days.
        None: (a.local_day,),
        GroupBy.day: (a.local_day,),
        GroupBy.week: (a.local_day,),
        GroupBy.sequence: (a.sequence_key,),
        GroupBy.sequence_stage: (a.sequence_key, a.stage_key),
    }
    if group_by not in keys:
        raise ValueError(f"the activity view has no grouping by {group_by}")
    return keys[group_by]


def _activity_group(group_by: GroupBy, key: Sequence[Any]) -> Key:
    """A group's key from its activity_day columns (`_activity_key`)."""
    if group_by == GroupBy.week:
        return monday(key[0])
    if group_by == GroupBy.project:
        return None if key[0] == NO_PROJECT_KEY else key[0]
    if group_by == GroupBy.sequence:
        return None if key[0] == NO_SEQUENCE_KEY else key[0]
    if group_by == GroupBy.sequence_stage:
        return _pair(key[0], key[1])
    return key[0]  # type: ignore[no-any-return]


def activity_counts(
    session: Session, *, scope: Scope, group_by: GroupBy | None
) -> tuple[ActivityCounts, dict[Key, ActivityCounts]]:
    """The period's live touchpoints counted by their own day, in total and by `group_by`,
    from the activity_day counts."""
    key = _activity_key(group_by)
    sums = [func.sum(getattr(ActivityDay, name)) for name in _ACTIVITY_NAMES]
    rows = session.execute(readable(ACTIVITY, scope, *key, *sums).group_by(*key))
    totals = ActivityCounts()
    groups: dict[Key, ActivityCounts] = defaultdict(ActivityCounts)
    for row in rows:
        numbers = [int(n) for n in row[len(key) :]]
        if not any(numbers):  # cells whose touchpoints were all deleted or moved away
            continue
        counted = ActivityCounts(**dict(zip(_ACTIVITY_NAMES, numbers, strict=True)))
        totals.add(counted)
        if group_by is not None:
            groups[_activity_group(group_by, row[: len(key)])].add(counted)
    return totals, dict(groups)
