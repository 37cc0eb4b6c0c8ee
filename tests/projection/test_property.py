"""A property test of the projection: after any history of creates, backdates, deletes, bulk
logs and undos, every auto designation is what a plain reference model of SPEC §2 rule 3 says,
and the derived rows kept by the fast paths equal a rebuild from scratch (`rebuild_threads`)
and a plain recount of the ledger, touchpoints made by sequence stages included."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.models import ActivityDay, Team, Thread, Touchpoint, User
from reachout.models.enums import Channel, DesignationChoice, Kind
from reachout.projection.activity import COUNTS
from reachout.projection.threads import rebuild_threads
from reachout.touchpoints import bulk, service
from reachout.touchpoints.schemas import BulkCreate, TouchpointUpdate
from reachout.touchpoints.service import SequenceStep
from tests.factories import at, make_candidate, make_project, make_team
from tests.touchpoints.helpers import designations, log

BASE = at("2026-01-01 00:00")
# Half-day steps, so equal instants and exact N-day gaps both happen often.
instants = st.integers(min_value=0, max_value=40).map(lambda k: BASE + timedelta(hours=12 * k))
choices = st.sampled_from(
    [None, DesignationChoice.auto, DesignationChoice.initial, DesignationChoice.follow_up]
)

# The sequence stage that makes a touchpoint (SPEC §9), or none: a hand-logged one.
steps = st.sampled_from([None, None, SequenceStep(1, 1), SequenceStep(1, 2), SequenceStep(2, 1)])

ops = st.one_of(
    st.tuples(
        st.just("log"), instants, choices, st.sampled_from([Kind.outreach, Kind.reply]), steps
    ),
    st.tuples(st.just("log"), instants, st.none(), st.just(Kind.reply), steps),
    st.tuples(st.just("backdate"), st.integers(0, 30), instants),
    st.tuples(st.just("delete"), st.integers(0, 30)),
    st.tuples(st.just("rechannel"), st.integers(0, 30), st.sampled_from(list(Channel))),
    st.tuples(st.just("bulk"), instants, choices),
    st.tuples(st.just("undo"), st.integers(0, 5)),
)


@dataclass
class Row:
    id: int
    at: datetime
    kind: Kind
    explicit: str | None  # the designation given, or None for auto
    batch: int | None = None
    deleted: bool = False


def expected(rows: list[Row], reengage_after_days: int | None) -> dict[int, str | None]:
    """SPEC §2 rule 3, written as plainly as it reads."""
    out: dict[int, str | None] = {}
    previous: datetime | None = None
    for row in sorted((r for r in rows if not r.deleted), key=lambda r: (r.at, r.id)):
        if row.kind == Kind.reply:
            out[row.id] = None
            continue
        if row.explicit is not None:
            out[row.id] = row.explicit
        elif previous is None or (
            reengage_after_days is not None
            and row.at - previous > timedelta(days=reengage_after_days)
        ):
            out[row.id] = "initial"
        else:
            out[row.id] = "follow_up"
        previous = row.at
    return out


def thread_rows(session: Session, candidate_id: int) -> list[tuple]:  # type: ignore[type-arg]
    session.expire_all()
    stmt = select(Thread).where(Thread.candidate_id == candidate_id).order_by(Thread.id)
    return [
        (
            t.id,
            t.started_at,
            t.start_day,
            t.sequence_id,
            t.sequence_stage,
            t.follow_ups,
            t.outreach_before_reply,
            t.first_reply_at,
            t.latest_reply_status,
        )
        for t in session.scalars(stmt)
    ]


def activity_rows(session: Session, team_id: int) -> set[tuple]:  # type: ignore[type-arg]
    """The team's activity_day cells that count anything."""
    rows = session.execute(select(ActivityDay).where(ActivityDay.team_id == team_id)).scalars()
    cells = {
        (
            a.local_day,
            a.channel,
            a.user_id,
            a.project_key,
            a.sequence_key,
            a.stage_key,
            *(getattr(a, c) for c in COUNTS),
        )
        for a in rows
    }
    return {cell for cell in cells if any(cell[6:])}


def counted_activity(session: Session, team_id: int) -> set[tuple]:  # type: ignore[type-arg]
    """The same cells, counted from the live touchpoints in plain Python."""
    counts: dict[tuple, list[int]] = {}  # type: ignore[type-arg]
    live = session.scalars(
        select(Touchpoint).where(Touchpoint.team_id == team_id, Touchpoint.deleted_at.is_(None))
    )
    for tp in live:
        cell = (
            tp.local_day,
            tp.channel,
            tp.user_id,
            tp.project_id or 0,
            tp.sequence_id or 0,
            tp.sequence_stage or 0,
        )
        flags = (
            tp.kind == "outreach",
            tp.designation == "initial",
            tp.designation == "follow_up",
            tp.kind == "reply",
            tp.reply_status == "interested",
            tp.reply_status == "not_interested",
            tp.reply_status == "later",
        )
        n = counts.setdefault(cell, [0] * len(flags))
        for i, flag in enumerate(flags):
            n[i] += flag
    return {(*cell, *n) for cell, n in counts.items()}


def _explicit(choice: DesignationChoice | None) -> str | None:
    return None if choice in (None, DesignationChoice.auto) else choice.value  # type: ignore[union-attr]


def _apply(
    session: Session,
    admin: User,
    team: Team,
    rows: list[Row],
    batches: list[int],
    op: tuple,
    candidate_id: int,
    project_id: int,
) -> None:  # type: ignore[type-arg]
    name = op[0]
    live = [r for r in rows if not r.deleted]
    if name == "log":
        _, when, choice, kind, step = op
        tp = log(
            session,
            admin,
            candidate_id,
            when,
            kind=kind,
            designation=choice if kind == Kind.outreach else None,
            step=step,
        )
        rows.append(Row(tp.id, when, kind, _explicit(choice) if kind == Kind.outreach else None))
    elif name == "backdate" and live:
        row = live[op[1] % len(live)]
        service.update_touchpoint(
            session, actor=admin, touchpoint_id=row.id, changes=TouchpointUpdate(occurred_at=op[2])
        )
        row.at = op[2]
    elif name == "rechannel" and live:
        # Moves the touchpoint's activity to another cell; its history stays as it was.
        row = live[op[1] % len(live)]
        service.update_touchpoint(
            session, actor=admin, touchpoint_id=row.id, changes=TouchpointUpdate(channel=op[2])
        )
    elif name == "delete" and live:
        row = live[op[1] % len(live)]
        service.delete_touchpoint(session, actor=admin, touchpoint_id=row.id)
        row.deleted = True
    elif name == "bulk":
        _, when, choice = op
        result = bulk.log_bulk(
            session,
            actor=admin,
            project_id=project_id,
            data=BulkCreate(
                candidate_ids=[candidate_id],
                channel=Channel.text,
                designation=choice,
                occurred_at=when,
            ),
        )
        batches.append(result.batch_id)
        new_id = max(designations(session, candidate_id))
        rows.append(Row(new_id, when, Kind.outreach, _explicit(choice), batch=result.batch_id))
    elif name == "undo" and batches:
        batch_id = batches.pop(op[1] % len(batches))
        bulk.undo_batch(session, actor=admin, batch_id=batch_id)
        for r in rows:
            if r.batch == batch_id:
                r.deleted = True


def test_auto_designations_match_the_reference_model(session: Session) -> None:
    team, admin = make_team(session)

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        history=st.lists(ops, min_size=1, max_size=12),
        reengage=st.one_of(st.none(), st.integers(min_value=1, max_value=10)),
    )
    def check(history: list[tuple], reengage: int | None) -> None:  # type: ignore[type-arg]
        savepoint = session.begin_nested()
        try:
            team.reengage_after_days = reengage
            candidate = make_candidate(session, team=team)
            project = make_project(session, team=team, candidates=[candidate])
            rows: list[Row] = []
            batches: list[int] = []
            for op in history:
                _apply(session, admin, team, rows, batches, op, candidate.id, project.id)
                assert designations(session, candidate.id) == expected(rows, reengage), op
                # The thread rows rebuilt from the change onwards equal a rebuild from scratch.
                incremental = thread_rows(session, candidate.id)
                rebuild_threads(session, team_id=team.id, candidate_ids=[candidate.id])
                assert incremental == thread_rows(session, candidate.id), op
                # The activity counts kept by the change equal a count of the ledger.
                assert activity_rows(session, team.id) == counted_activity(session, team.id), op
        finally:
            savepoint.rollback()

    check()
