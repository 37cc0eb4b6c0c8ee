"""The thread table (SPEC §3), rebuilt for a candidate in every transaction that changes them.

A thread starts at each live `initial` outreach; each later outreach and reply belongs to the
latest thread started before it. The rebuild is set-based: one DELETE and one INSERT ... SELECT
over window functions, for one candidate or for fifty thousand.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from reachout.kit.sql import id_start_list, in_id_list, micros_between, monday_of
from reachout.models import Thread, Touchpoint
from reachout.models.base import UTCDateTime
from reachout.models.enums import Designation, Kind

NO_STATUS = "none"


def rebuild_threads(
    session: Session,
    *,
    team_id: int,
    candidate_ids: Sequence[int] | None,
    since: datetime | None = None,
) -> None:
    """Recompute the threads of these candidates (`None`: every candidate of the team).

    With `since`, the history changed only at `since` or later, so a candidate's threads that
    started before their last thread before `since` cannot have changed: only that thread and
    the later ones are rebuilt, from the candidate's touchpoints since its start. A bulk log
    "now" so reads one thread per candidate, not their whole histories.
    """
    if candidate_ids is not None and not candidate_ids:
        return
    tp = Touchpoint
    if candidate_ids is None:
        session.execute(delete(Thread).where(Thread.team_id == team_id))
        everything = select(tp).where(tp.team_id == team_id, tp.deleted_at.is_(None))
        threads = _threads_of(everything.subquery("source"))
        # Written in the order logging writes them, by their start: the rows of one period lie
        # together, and the cohort view reads a period's on PostgreSQL's heap in a quarter of
        # the pages it would read in candidate order (a 90-day period of a million touchpoints).
        ordered = threads.order_by(threads.selected_columns.start_day)
        session.execute(_insert_threads(ordered))
        return
    if since is None:
        session.execute(
            delete(Thread)
            .where(in_id_list(session, Thread.candidate_id, candidate_ids))
            .execution_options(synchronize_session=False)
        )
        theirs = select(tp).where(
            in_id_list(session, tp.candidate_id, candidate_ids), tp.deleted_at.is_(None)
        )
        session.execute(_insert_threads(_threads_of(theirs.subquery("source"))))
        return
    # Where each candidate's rebuild starts, read before anything is deleted: the start of
    # their last thread before `since` (the change cannot move it), else `since` itself (what
    # came before is in no thread). One lookup per candidate, not one per row of the rebuild.
    last_before = dict(
        session.execute(
            select(Thread.candidate_id, func.max(Thread.started_at))
            .where(
                in_id_list(session, Thread.candidate_id, candidate_ids),
                Thread.started_at < since,
            )
            .group_by(Thread.candidate_id)
        ).all()
    )
    starts = [(c, last_before.get(c, since)) for c in sorted(set(candidate_ids))]
    bounds = id_start_list(session, starts)
    rebuilt = select(Thread.id).join(
        bounds, and_(Thread.candidate_id == bounds.c.id, Thread.started_at >= bounds.c.start)
    )
    session.execute(
        delete(Thread).where(Thread.id.in_(rebuilt)).execution_options(synchronize_session=False)
    )
    since_start = (
        select(tp)
        .join(bounds, and_(tp.candidate_id == bounds.c.id, tp.occurred_at >= bounds.c.start))
        .where(tp.deleted_at.is_(None))
    )
    session.execute(_insert_threads(_threads_of(since_start.subquery("source"))))


def _insert_threads(rows: Any) -> Any:
    return insert(Thread).from_select(list(rows.selected_columns.keys()), rows)


def _threads_of(source: Any) -> Any:
    """The thread rows of the touchpoints in `source` (a subquery of touchpoint rows)."""
    tp = source.c
    is_initial = and_(tp.kind == Kind.outreach.value, tp.designation == Designation.initial.value)
    # Each row's thread: the number of initials up to and including it (0: before any thread).
    seq = func.sum(case((is_initial, 1), else_=0)).over(
        partition_by=tp.candidate_id, order_by=(tp.occurred_at, tp.id), rows=(None, 0)
    )
    rows = (
        select(
            tp.id,
            tp.team_id,
            tp.candidate_id,
            tp.kind,
            tp.designation,
            tp.occurred_at,
            tp.local_day,
            tp.channel,
            tp.user_id,
            tp.project_id,
            tp.sequence_id,
            tp.sequence_stage,
            tp.reply_status,
            seq.label("seq"),
        )
        .where(tp.deleted_at.is_(None))
        .subquery("rows")
    )
    r = rows.c
    in_thread = (r.candidate_id, r.seq)
    numbered = (
        select(
            rows,
            func.sum(case((r.kind == Kind.reply.value, 1), else_=0))
            .over(partition_by=in_thread, order_by=(r.occurred_at, r.id), rows=(None, 0))
            .label("replies_so_far"),
            func.row_number()
            .over(partition_by=(*in_thread, r.kind), order_by=(r.occurred_at.desc(), r.id.desc()))
            .label("from_last"),
        )
        .where(r.seq > 0)
        .subquery("numbered")
    )
    n = numbered.c
    initial = n.designation == Designation.initial.value
    outreach = n.kind == Kind.outreach.value
    reply = n.kind == Kind.reply.value

    def of_initial(column: Any) -> Any:
        return func.max(case((initial, column)))

    started_at = of_initial(n.occurred_at)
    first_reply_at = func.min(case((reply, n.occurred_at)))
    values = {
        "id": of_initial(n.id),
        "team_id": func.max(n.team_id),
        "candidate_id": n.candidate_id,
        "started_at": started_at,
        "start_day": of_initial(n.local_day),
        "start_week": monday_of(of_initial(n.local_day)),
        "channel": of_initial(n.channel),
        "user_id": of_initial(n.user_id),
        "project_id": of_initial(n.project_id),
        "sequence_id": of_initial(n.sequence_id),
        "sequence_stage": of_initial(n.sequence_stage),
        "follow_ups": func.sum(case((outreach, 1), else_=0)) - 1,
        # n.replies_so_far counts replies up to each row, so 0 on an outreach row means "before
        # the first reply".
        "outreach_before_reply": func.sum(
            case((and_(outreach, n.replies_so_far == 0), 1), else_=0)
        ),
        "first_reply_at": first_reply_at,
        "reply_micros": micros_between(started_at, first_reply_at),
        "latest_reply_status": func.max(
            case((and_(reply, n.from_last == 1), func.coalesce(n.reply_status, NO_STATUS)))
        ),
    }
    return select(*(value.label(name) for name, value in values.items())).group_by(
        n.candidate_id, n.seq
    )


def only_appended(session: Session, *, candidate_ids: Sequence[int], at: datetime) -> bool:
    """Whether touchpoints just logged `at` for these candidates are the last of their
    histories: no other live touchpoint of theirs is later (the new ids are the largest, so
    one at the same instant comes before). Then `append_to_threads` is all there is to do."""
    return not _any_live(session, candidate_ids, Touchpoint.occurred_at > at)


def only_removed_last(session: Session, *, candidate_ids: Sequence[int], at: datetime) -> bool:
    """Whether touchpoints just deleted, all `at`, were the last of their candidates'
    histories: nothing live is left at `at` or later. Then `remove_from_threads` is all."""
    return not _any_live(session, candidate_ids, Touchpoint.occurred_at >= at)


def _any_live(session: Session, candidate_ids: Sequence[int], when: ColumnElement[bool]) -> bool:
    tp = Touchpoint
    live = (
        select(tp.id)
        .where(in_id_list(session, tp.candidate_id, candidate_ids), when, tp.deleted_at.is_(None))
        .limit(1)
    )
    return session.execute(live).first() is not None


def _latest_thread() -> Any:
    """The id of the latest thread of the touchpoint's candidate (a correlated subquery)."""
    return (
        select(Thread.id)
        .where(Thread.candidate_id == Touchpoint.candidate_id)
        .order_by(Thread.started_at.desc(), Thread.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _count_follow_ups(session: Session, rows: ColumnElement[bool], change: int) -> None:
    """Add `change` (1 or -1) per follow-up among `rows` to its candidate's latest thread."""
    followed = (
        select(_latest_thread().label("id"))
        .where(rows, Touchpoint.designation == Designation.follow_up.value)
        .subquery("followed")
    )
    before_reply = case((Thread.first_reply_at.is_(None), change), else_=0)
    session.execute(
        update(Thread)
        .where(Thread.id == followed.c.id)
        .values(
            follow_ups=Thread.follow_ups + change,
            outreach_before_reply=Thread.outreach_before_reply + before_reply,
        )
        .execution_options(synchronize_session=False)
    )


def remove_from_threads(session: Session, *, removed: ColumnElement[bool]) -> None:
    """Take outreach just deleted (the rows `removed` selects, one per candidate, each the last
    of its candidate's history before) out of the thread table: an initial's thread goes, a
    follow-up comes off its candidate's latest thread. Undoing a bulk "now" so writes one row
    per candidate, as logging it did."""
    tp = Touchpoint
    _count_follow_ups(session, removed, -1)
    started = select(tp.id).where(removed, tp.designation == Designation.initial.value)
    session.execute(
        delete(Thread).where(Thread.id.in_(started)).execution_options(synchronize_session=False)
    )


def append_to_threads(
    session: Session,
    *,
    new: ColumnElement[bool],
    at: datetime,
    kind: Kind,
    reply_status: str | None,
) -> None:
    """Add touchpoints just logged at `at` (the rows `new` selects, one per candidate, each the
    last of its candidate's history, designations resolved) to the thread table.

    An initial starts a thread; a follow-up or a reply extends the candidate's latest thread (or
    nothing: it comes before any initial). A bulk "now" so writes one row per candidate
    without reading the histories again, which a rebuild from their last threads would.
    """
    tp = Touchpoint
    new_rows = and_(new, tp.deleted_at.is_(None))
    latest_thread = _latest_thread()
    moment = literal(at, UTCDateTime())
    if kind == Kind.reply:
        extended = select(latest_thread.label("id")).where(new_rows).subquery("extended")
        session.execute(
            update(Thread)
            .where(Thread.id == extended.c.id)
            .values(
                first_reply_at=func.coalesce(Thread.first_reply_at, moment),
                reply_micros=func.coalesce(
                    Thread.reply_micros,
                    micros_between(Thread.started_at, moment),
                ),
                latest_reply_status=reply_status or NO_STATUS,
            )
            .execution_options(synchronize_session=False)
        )
        return
    # Follow-ups first: the latest thread must not be one this call starts.
    _count_follow_ups(session, new_rows, +1)
    start_threads(session, new=new_rows)


def start_threads(session: Session, *, new: ColumnElement[bool]) -> None:
    """A thread for each live initial outreach among the rows `new` selects, just logged, each
    the last of its candidate's history: nothing follows it yet."""
    tp = Touchpoint
    values: dict[str, Any] = {
        "id": tp.id,
        "team_id": tp.team_id,
        "candidate_id": tp.candidate_id,
        "started_at": tp.occurred_at,
        "start_day": tp.local_day,
        "start_week": monday_of(tp.local_day),
        "channel": tp.channel,
        "user_id": tp.user_id,
        "project_id": tp.project_id,
        "sequence_id": tp.sequence_id,
        "sequence_stage": tp.sequence_stage,
        "follow_ups": literal(0),
        "outreach_before_reply": literal(1),
    }
    started: Select[Any] = select(*(v.label(k) for k, v in values.items())).where(
        new, tp.deleted_at.is_(None), tp.designation == Designation.initial.value
    )
    session.execute(_insert_threads(started))
