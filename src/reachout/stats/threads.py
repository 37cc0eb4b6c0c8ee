"""The thread table (SPEC §3), rebuilt for a candidate in every transaction that changes them.

A thread starts at each live `initial` outreach; each later outreach and reply belongs to the
latest thread started before it. The rebuild is set-based: one DELETE and one INSERT ... SELECT
over window functions, for one candidate or for fifty thousand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, insert, select
from sqlalchemy.orm import Session

from reachout.kit.sql import in_id_list
from reachout.models import Thread, Touchpoint
from reachout.models.enums import Designation, Kind

NO_STATUS = "none"


def rebuild_threads(session: Session, *, team_id: int, candidate_ids: Sequence[int] | None) -> None:
    """Recompute the threads of these candidates (`None`: every candidate of the team)."""
    if candidate_ids is not None and not candidate_ids:
        return
    tp = Touchpoint
    if candidate_ids is None:
        session.execute(delete(Thread).where(Thread.team_id == team_id))
        which: ColumnElement[bool] = tp.team_id == team_id
    else:
        session.execute(
            delete(Thread)
            .where(in_id_list(session, Thread.candidate_id, candidate_ids))
            .execution_options(synchronize_session=False)
        )
        which = in_id_list(session, tp.candidate_id, candidate_ids)
    columns = [c.key for c in Thread.__table__.columns]
    session.execute(insert(Thread).from_select(columns, _threads_of(which)))


def _threads_of(which: ColumnElement[bool]) -> Any:
    tp = Touchpoint
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
            tp.reply_status,
            seq.label("seq"),
        )
        .where(which, tp.deleted_at.is_(None))
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

    return select(
        of_initial(n.id),
        func.max(n.team_id),
        n.candidate_id,
        of_initial(n.occurred_at),
        of_initial(n.local_day),
        of_initial(n.channel),
        of_initial(n.user_id),
        of_initial(n.project_id),
        func.sum(case((outreach, 1), else_=0)) - 1,
        # n.replies_so_far counts replies up to each row, so 0 on an outreach row means "before
        # the first reply".
        func.sum(case((and_(outreach, n.replies_so_far == 0), 1), else_=0)),
        func.min(case((reply, n.occurred_at))),
        func.max(case((and_(reply, n.from_last == 1), func.coalesce(n.reply_status, NO_STATUS)))),
    ).group_by(n.candidate_id, n.seq)
