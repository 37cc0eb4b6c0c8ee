"""Logging one touchpoint at the end of its candidate's history: the usual single log, "now".

A touchpoint that no live touchpoint of its candidate follows changes nothing before it, so
what it does to the derived data follows from two values read under the candidate's lock:

- when the candidate's last live outreach was: the new outreach's Auto designation
  (SPEC §2 rules 3-4);
- which thread is the candidate's latest: what a follow-up or a reply extends (SPEC §3).

It then inserts the touchpoint and takes one statement per derived table: a thread started or
extended, and one activity cell counted up; and records the audit event. On PostgreSQL that is
one statement (see `write`). `history_change` reaches the same result for any change, by
counting and reading again; the property tests check both against plain recounts. Each
statement here is built once per dialect and run with bound values: a single log runs them
on every request, and building a SQLAlchemy statement costs more CPU than running it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Select,
    Table,
    Update,
    bindparam,
    case,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from reachout import audit
from reachout.kit.sql import dialect_of, drawn_id, micros_between, prefixed_binds
from reachout.models import Candidate, Enrollment, Team, Thread, Touchpoint, User
from reachout.models.activity import NO_PROJECT_KEY, NO_SEQUENCE_KEY, NO_STAGE_KEY
from reachout.models.base import UTCDateTime
from reachout.models.enums import Designation, DesignationMode, Kind
from reachout.models.sequence import OPEN_STATUSES
from reachout.projection.activity import add_counts, add_statement, counts_of
from reachout.projection.designations import designation_after
from reachout.projection.enrollments import stop_replied
from reachout.projection.threads import NO_STATUS


@dataclass(frozen=True)
class HistoryEnd:
    """A candidate's history as seen from an instant, read under the candidate's lock."""

    # Some live touchpoint comes later: a touchpoint logged at the instant is not the last.
    later: bool
    # The last live outreach at the instant or before it.
    last_outreach_at: datetime | None
    # The candidate's latest thread.
    latest_thread_id: int | None
    # PostgreSQL: the id the touchpoint logged will have, drawn from its sequence by the same
    # read, so that `write` is one statement. (SQLite: None, the INSERT gives it.)
    next_id: int | None
    # The candidate has an open enrollment: only then can a reply stop one (SPEC §9).
    enrolled: bool = True


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


@cache
def _end_statement(dialect: str) -> Select[Any]:
    c, tp, th, en = _table(Candidate), _table(Touchpoint), _table(Thread), _table(Enrollment)
    at = bindparam("at", type_=UTCDateTime())
    live = (tp.c.candidate_id == c.c.id, tp.c.deleted_at.is_(None))
    later = select(tp.c.id).where(*live, tp.c.occurred_at > at).limit(1).scalar_subquery()
    last_outreach_at = (
        select(tp.c.occurred_at)
        .where(*live, tp.c.kind == Kind.outreach.value, tp.c.occurred_at <= at)
        .order_by(tp.c.occurred_at.desc(), tp.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    latest_thread = (
        select(th.c.id)
        .where(th.c.candidate_id == c.c.id)
        .order_by(th.c.started_at.desc(), th.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    next_id = drawn_id(dialect, tp)
    enrolled = exists().where(en.c.candidate_id == c.c.id, en.c.status.in_(OPEN_STATUSES))
    return select(
        later.label("later"),
        last_outreach_at.label("last_outreach_at"),
        latest_thread.label("latest_thread_id"),
        next_id.label("next_id"),
        enrolled.label("enrolled"),
    ).where(
        c.c.id == bindparam("candidate_id"),
        c.c.team_id == bindparam("team_id"),
        c.c.deleted_at.is_(None),
    )


def history_end(
    session: Session, *, team_id: int, candidate_id: int, at: datetime
) -> HistoryEnd | None:
    """The candidate's history around `at`; None if the team has no such live candidate.

    The candidate must be locked already (the lock of its history's writers): on PostgreSQL a
    statement that waited for a lock still reads what was there when it started.
    """
    row = (
        session.connection()
        .execute(
            _end_statement(dialect_of(session)),
            {"candidate_id": candidate_id, "team_id": team_id, "at": at},
        )
        .first()
    )
    if row is None:
        return None
    return HistoryEnd(
        row.later is not None,
        row.last_outreach_at,
        row.latest_thread_id,
        row.next_id,
        bool(row.enrolled),
    )


def resolve(touchpoint: Touchpoint, end: HistoryEnd, team: Team) -> None:
    """Give an Auto outreach logged at the end of its history its designation."""
    if touchpoint.designation_mode == DesignationMode.auto.value:
        touchpoint.designation = designation_after(
            end.last_outreach_at, touchpoint.occurred_at, team.reengage_after_days
        ).value


def write(session: Session, touchpoint: Touchpoint, end: HistoryEnd, *, actor: User) -> None:
    """Write a touchpoint logged at the end of its history (designation decided, all columns
    set but the id), count it in its candidate's threads and in its activity cell, record its
    audit event, and give it its id.

    The object stays out of the session: Core statements, nothing to flush. On PostgreSQL they
    are one statement, the touchpoint's INSERT with the others as data-modifying CTEs, since
    its id was drawn with the history's read: every round trip to the server costs the server
    process CPU of its own. SQLite runs in process, so there the statements go one at a time,
    and the id comes from the INSERT.
    """
    _write(session, touchpoint, end, actor=actor)
    if touchpoint.kind == Kind.reply.value and end.enrolled:
        # The stop rule of sequences (SPEC §9), in the reply's transaction; a candidate with
        # no open enrollment when the history was read has nothing to stop. (One committed
        # since would have been missed by the UPDATE's own snapshot a moment later just the
        # same: the worker checks the rule again when it claims a send.)
        stop_replied(session, candidate_ids=[touchpoint.candidate_id])


def _write(session: Session, touchpoint: Touchpoint, end: HistoryEnd, *, actor: User) -> None:
    if end.next_id is None:
        touchpoint.id = (
            session.connection().execute(_touchpoint_insert(), _columns(touchpoint)).scalar_one()
        )
        thread = _thread_change(touchpoint, end)
        if thread is not None:
            session.connection().execute(_thread_statement(thread[0]), thread[1])
        add_counts(session, [_cell(touchpoint)])
        session.connection().execute(audit.insert_event(), _event(touchpoint, actor))
        return
    touchpoint.id = end.next_id
    thread = _thread_change(touchpoint, end)
    values = {"tp_id": touchpoint.id} | {f"tp_{k}": v for k, v in _columns(touchpoint).items()}
    values.update({f"ad_{k}": v for k, v in _cell(touchpoint).items()})
    values.update({f"ev_{k}": v for k, v in _event(touchpoint, actor).items()})
    if thread is not None:
        values.update({f"th_{k}": v for k, v in thread[1].items()})
    dialect = dialect_of(session)
    session.connection().execute(_write_at_once(dialect, thread and thread[0]), values)


_COLUMNS = tuple(c.name for c in _table(Touchpoint).columns if c.name != "id")


def _columns(tp: Touchpoint) -> dict[str, Any]:
    return {name: getattr(tp, name) for name in _COLUMNS}


def _cell(tp: Touchpoint) -> dict[str, Any]:
    """The touchpoint's activity cell, with what it adds to it."""
    key = {
        "team_id": tp.team_id,
        "local_day": tp.local_day,
        "channel": tp.channel,
        "user_id": tp.user_id,
        "project_key": tp.project_id or NO_PROJECT_KEY,
        "sequence_key": tp.sequence_id or NO_SEQUENCE_KEY,
        "stage_key": tp.sequence_stage or NO_STAGE_KEY,
    }
    return key | counts_of(tp.kind, tp.designation, tp.reply_status)


def _event(tp: Touchpoint, actor: User) -> dict[str, Any]:
    return audit.event_values(
        actor=actor,
        team_id=tp.team_id,
        action="create",
        entity_type=_table(Touchpoint).name,
        entity_id=tp.id,
        after=audit.snapshot(tp),
    )


@cache
def _touchpoint_insert() -> Insert:
    tp = _table(Touchpoint)
    return insert(tp).values({name: bindparam(name) for name in _COLUMNS}).returning(tp.c.id)


@cache
def _write_at_once(dialect: str, thread: str | None) -> Insert:
    """`write`'s statements as one (where ids are drawn ahead: PostgreSQL), for each change to
    the thread (or none)."""
    tp = _table(Touchpoint)
    ctes = [
        prefixed_binds(add_statement(dialect), "ad_").cte("counted"),
        prefixed_binds(audit.insert_event(), "ev_").cte("recorded"),
    ]
    if thread is not None:
        ctes.append(prefixed_binds(_thread_statement(thread), "th_").cte("threaded"))
    return (
        insert(tp)
        .values({name: bindparam(f"tp_{name}") for name in ("id", *_COLUMNS)})
        .add_cte(*ctes)
    )


def _thread_change(tp: Touchpoint, end: HistoryEnd) -> tuple[str, dict[str, Any]] | None:
    """How the touchpoint changes its candidate's threads: the statement and its values."""
    if tp.designation == Designation.initial.value:
        day = tp.local_day
        return "start", {
            # A thread's id is its initial outreach's; on SQLite, known after the INSERT.
            "id": tp.id,
            "team_id": tp.team_id,
            "candidate_id": tp.candidate_id,
            "started_at": tp.occurred_at,
            "start_day": day,
            "start_week": day - timedelta(days=day.weekday()),
            "channel": tp.channel,
            "user_id": tp.user_id,
            "project_id": tp.project_id,
            "sequence_id": tp.sequence_id,
            "sequence_stage": tp.sequence_stage,
        }
    if end.latest_thread_id is None:
        return None  # A follow-up or a reply before any thread belongs to none.
    if tp.kind == Kind.reply.value:
        return "reply", {
            "thread_id": end.latest_thread_id,
            "occurred_at": tp.occurred_at,
            "reply_status": tp.reply_status or NO_STATUS,
        }
    return "follow_up", {"thread_id": end.latest_thread_id}


def _thread_statement(change: str) -> Insert | Update:
    if change == "start":
        return _start_thread()
    return _extend_by_reply() if change == "reply" else _follow_up()


@cache
def _start_thread() -> Insert:
    th = _table(Thread)
    names = (
        "id team_id candidate_id started_at start_day start_week channel user_id project_id"
        " sequence_id sequence_stage"
    )
    return insert(th).values(
        {name: bindparam(name) for name in names.split()}
        | {"follow_ups": 0, "outreach_before_reply": 1}
    )


@cache
def _follow_up() -> Update:
    th = _table(Thread)
    return (
        update(th)
        .where(th.c.id == bindparam("thread_id"))
        .values(
            follow_ups=th.c.follow_ups + 1,
            outreach_before_reply=th.c.outreach_before_reply
            + case((th.c.first_reply_at.is_(None), 1), else_=0),
        )
    )


@cache
def _extend_by_reply() -> Update:
    th = _table(Thread)
    at = bindparam("occurred_at", type_=UTCDateTime())
    return (
        update(th)
        .where(th.c.id == bindparam("thread_id"))
        .values(
            first_reply_at=func.coalesce(th.c.first_reply_at, at),
            reply_micros=func.coalesce(th.c.reply_micros, micros_between(th.c.started_at, at)),
            latest_reply_status=bindparam("reply_status"),
        )
    )
