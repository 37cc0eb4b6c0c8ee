"""Auto designations (SPEC §2 rules 3-4), decided in SQL for any number of candidates at once.

One statement serves every change to a history (a single log, a bulk of 50,000, an edit, a
delete, an undo): it walks each affected candidate's live outreach in (occurred_at, id) order
and sets every `auto` row to `initial` when no outreach precedes it, or when the team's
re-engagement window is on and the preceding outreach is more than N days older, else to
`follow_up`. Only rows whose value changes are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select, update
from sqlalchemy.orm import Session

from reachout.kit.sql import shift_days
from reachout.models import Touchpoint
from reachout.models.enums import Designation, DesignationMode, Kind


def resolve_auto_designations(
    session: Session,
    *,
    candidate_ids: Select[Any] | Sequence[int],
    reengage_after_days: int | None,
) -> None:
    ids = candidate_ids if isinstance(candidate_ids, Select) else list(candidate_ids)
    tp = Touchpoint
    ordered = (
        select(
            tp.id.label("id"),
            tp.designation_mode.label("mode"),
            tp.occurred_at.label("at"),
            func.lag(tp.occurred_at)
            .over(partition_by=tp.candidate_id, order_by=(tp.occurred_at, tp.id))
            .label("prev_at"),
        )
        .where(
            tp.candidate_id.in_(ids),
            tp.kind == Kind.outreach.value,
            tp.deleted_at.is_(None),
        )
        .subquery("ordered")
    )
    starts_thread: ColumnElement[bool] = ordered.c.prev_at.is_(None)
    if reengage_after_days is not None:
        silence = ordered.c.prev_at < shift_days(ordered.c.at, -reengage_after_days)
        starts_thread = or_(starts_thread, silence)
    resolved = case((starts_thread, Designation.initial.value), else_=Designation.follow_up.value)
    stmt = (
        update(tp)
        .where(
            tp.id == ordered.c.id,
            ordered.c.mode == DesignationMode.auto.value,
            tp.designation != resolved,
        )
        .values(designation=resolved)
        .execution_options(synchronize_session=False)
    )
    session.execute(stmt)
