"""Logging one touchpoint at the end of its candidate's history: the usual single log, "now".

A touchpoint that no live touchpoint of its candidate follows changes nothing before it, so
what it does to the derived data follows from two values read under the candidate's lock:

- when the candidate's last live outreach was: the new outreach's Auto designation
  (SPEC §2 rules 3-4);
- which thread is the candidate's latest: what a follow-up or a reply extends (SPEC §3).

It then takes one statement per derived table: a thread started or extended, and one activity
cell counted up. `history_change` reaches the same result for any change, by counting and
reading again; the property tests check both against plain recounts. Each statement here is
built once per dialect and run with bound values: under load, building SQLAlchemy statements
cost more than running them (docs/performance.md).
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
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from reachout.kit.sql import micros_between
from reachout.models import Candidate, Team, Thread, Touchpoint
from reachout.models.activity import NO_PROJECT_KEY
from reachout.models.base import UTCDateTime
from reachout.models.enums import Designation, DesignationMode, Kind
from reachout.stats.activity import add_counts, counts_of
from reachout.stats.threads import NO_STATUS
from reachout.touchpoints.resolution import designation_after


@dataclass(frozen=True)
class HistoryEnd:
    """A candidate's history as seen from an instant, read under the candidate's lock."""

    # Some live touchpoint comes later: a touchpoint logged at the instant is not the last.
    later: bool
    # The last live outreach at the instant or before it.
    last_outreach_at: datetime | None
    # The candidate's latest thread.
    latest_thread_id: int | None


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


@cache
def _end_statement() -> Select[Any]:
    c, tp, th = _table(Candidate), _table(Touchpoint), _table(Thread)
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
    return select(
        later.label("later"),
        last_outreach_at.label("last_outreach_at"),
        latest_thread.label("latest_thread_id"),
    ).where(
        c.c.id == bindparam("candidate_id"),
        c.c.team_id == bindparam("team_id"),
        c.c.deleted_at.is_(None),
    )


def history_end(
    session: Session, *, team_id: int, candidate_id: int, at: datetime
) -> HistoryEnd | None:
    """The candidate's history around `at`; None if the team has no such live candidate.

    The candidate must be locked already (`kit.sql.lock_candidates`): on PostgreSQL a statement
    that waited for a lock still reads what was there when it started.
    """
    row = (
        session.connection()
        .execute(_end_statement(), {"candidate_id": candidate_id, "team_id": team_id, "at": at})
        .first()
    )
    if row is None:
        return None
    return HistoryEnd(row.later is not None, row.last_outreach_at, row.latest_thread_id)


def resolve(touchpoint: Touchpoint, end: HistoryEnd, team: Team) -> None:
    """Give an Auto outreach logged at the end of its history its designation."""
    if touchpoint.designation_mode == DesignationMode.auto.value:
        touchpoint.designation = designation_after(
            end.last_outreach_at, touchpoint.occurred_at, team.reengage_after_days
        ).value


def insert_touchpoint(session: Session, touchpoint: Touchpoint) -> None:
    """Write a new touchpoint (all its columns set but the id) and give it its id.

    A Core INSERT: the object stays out of the session, so nothing is flushed for it."""
    values = {name: getattr(touchpoint, name) for name in _COLUMNS}
    touchpoint.id = session.connection().execute(_touchpoint_insert(), values).scalar_one()


_COLUMNS = tuple(c.name for c in _table(Touchpoint).columns if c.name != "id")


@cache
def _touchpoint_insert() -> Insert:
    tp = _table(Touchpoint)
    return insert(tp).values({name: bindparam(name) for name in _COLUMNS}).returning(tp.c.id)


def add_to_derived(session: Session, touchpoint: Touchpoint, end: HistoryEnd) -> None:
    """Count a touchpoint just logged at the end of its history (designation decided) in its
    candidate's threads and in its activity cell."""
    tp = touchpoint
    if tp.designation == Designation.initial.value:
        day = tp.local_day
        session.connection().execute(
            _start_thread(),
            {
                "id": tp.id,
                "team_id": tp.team_id,
                "candidate_id": tp.candidate_id,
                "started_at": tp.occurred_at,
                "start_day": day,
                "start_week": day - timedelta(days=day.weekday()),
                "channel": tp.channel,
                "user_id": tp.user_id,
                "project_id": tp.project_id,
            },
        )
    elif end.latest_thread_id is None:
        pass  # A follow-up or a reply before any thread belongs to none.
    elif tp.kind == Kind.reply.value:
        session.connection().execute(
            _extend_by_reply(),
            {
                "thread_id": end.latest_thread_id,
                "occurred_at": tp.occurred_at,
                "reply_status": tp.reply_status or NO_STATUS,
            },
        )
    else:
        session.connection().execute(_follow_up(), {"thread_id": end.latest_thread_id})
    cell = {
        "team_id": tp.team_id,
        "local_day": tp.local_day,
        "channel": tp.channel,
        "user_id": tp.user_id,
        "project_key": tp.project_id or NO_PROJECT_KEY,
    }
    add_counts(session, [cell | counts_of(tp.kind, tp.designation, tp.reply_status)])


@cache
def _start_thread() -> Insert:
    th = _table(Thread)
    names = "id team_id candidate_id started_at start_day start_week channel user_id project_id"
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
