"""Auto designations (SPEC §2 rules 3-4), decided in SQL for any number of candidates at once.

One statement serves every change to a history (a single log, a bulk of 50,000, an edit, a
delete, an undo): each live `auto` outreach of the affected candidates becomes `initial` when
no live outreach precedes it in (occurred_at, id) order, or when the team's re-engagement
window is on and the preceding outreach is more than N days older; else `follow_up`. Only
rows whose value changes are written.

The preceding outreach is a correlated lookup on the (candidate_id, occurred_at, id) index
rather than a window over a join: its plan is the same whether or not PostgreSQL has
statistics for rows this transaction has just written (a window-over-join form was planned as
a quadratic nested loop on a fresh table, seconds for a 10,000-row bulk).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, or_, select, update
from sqlalchemy.orm import Session, aliased

from reachout.kit.sql import in_id_list, shift_days
from reachout.models import Touchpoint
from reachout.models.enums import Designation, DesignationMode, Kind

# A span of time: a timedelta, or a count of some unit (the synthetic histories' microseconds).
Gap = TypeVar("Gap", timedelta, int)


def _starts_thread(
    prev_at: ColumnElement[Any], at: ColumnElement[Any] | Any, reengage_after_days: int | None
) -> ColumnElement[str]:
    starts: ColumnElement[bool] = prev_at.is_(None)
    if reengage_after_days is not None:
        starts = or_(starts, prev_at < shift_days(at, -reengage_after_days))
    return case((starts, Designation.initial.value), else_=Designation.follow_up.value)


def auto_designation(gap: Gap | None, window: Gap | None) -> Designation:
    """SPEC §2 rule 3 for one outreach, given the time since the live outreach before it (None:
    there is none) and the team's re-engagement window (None: off). `_starts_thread` is the
    same rule in SQL."""
    if gap is None or (window is not None and gap > window):
        return Designation.initial
    return Designation.follow_up


def designation_after(
    previous_at: datetime | None, at: datetime, reengage_after_days: int | None
) -> Designation:
    """The auto designation of an outreach at `at` whose preceding live outreach is known."""
    window = None if reengage_after_days is None else timedelta(days=reengage_after_days)
    return auto_designation(None if previous_at is None else at - previous_at, window)


def _live_outreach(alias: type[Touchpoint], candidate_id: ColumnElement[int] | Any) -> Select[Any]:
    return select(alias.occurred_at).where(
        alias.candidate_id == candidate_id,
        alias.kind == Kind.outreach.value,
        alias.deleted_at.is_(None),
    )


def designation_of_new_outreach(
    candidate_id: ColumnElement[int], at: ColumnElement[Any], reengage_after_days: int | None
) -> ColumnElement[str]:
    """The auto designation of an outreach about to be inserted at `at`.

    A new row's id is larger than every id there is, so the outreach before it are those at
    `at` or earlier. Used by bulk inserts, so that the rows are written once, already right.
    """
    prev = aliased(Touchpoint, name="prev")
    prev_at = (
        _live_outreach(prev, candidate_id)
        .where(prev.occurred_at <= at)
        .order_by(prev.occurred_at.desc(), prev.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return _starts_thread(prev_at, at, reengage_after_days)


def resolve_auto_designations(
    session: Session,
    *,
    candidate_ids: Sequence[int],
    since: datetime | None,
    reengage_after_days: int | None,
) -> None:
    """Set every live auto outreach of these candidates to what its history says now.

    An outreach's designation depends only on what comes before it, so a change at `since`
    (a new, moved or deleted touchpoint) can only affect outreach at `since` or later: the
    rest are not even read. `since=None` resolves the whole histories.
    """
    if not candidate_ids:
        return
    tp = Touchpoint
    prev = aliased(Touchpoint, name="prev")
    prev_at = (
        _live_outreach(prev, tp.candidate_id)
        .where(
            or_(
                prev.occurred_at < tp.occurred_at,
                and_(prev.occurred_at == tp.occurred_at, prev.id < tp.id),
            ),
        )
        .order_by(prev.occurred_at.desc(), prev.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    resolved = _starts_thread(prev_at, tp.occurred_at, reengage_after_days)
    conditions = [in_id_list(session, tp.candidate_id, candidate_ids)]
    if since is not None:
        conditions.append(tp.occurred_at >= since)
    session.execute(
        update(tp)
        .where(
            *conditions,
            tp.kind == Kind.outreach.value,
            tp.deleted_at.is_(None),
            tp.designation_mode == DesignationMode.auto.value,
            tp.designation != resolved,
        )
        .values(designation=resolved)
        .execution_options(synchronize_session=False)
    )
