"""What the pages show of a history: a candidate's timeline, and each candidate's last contact."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachout.candidates.service import require_candidate
from reachout.models import Touchpoint, User
from reachout.models.enums import Kind

TIMELINE_MAX = 1000


@dataclass
class ContactSummary:
    last_contacted: datetime | None = None
    replied_at: datetime | None = None
    # The status of the latest reply (None: no reply, or a reply without a status).
    reply_status: str | None = None


def candidate_timeline(
    session: Session, *, actor: User, candidate_id: int, limit: int = TIMELINE_MAX
) -> list[Touchpoint]:
    """A candidate's live touchpoints, newest first (the reverse of the history's order)."""
    require_candidate(session, team_id=actor.team_id, candidate_id=candidate_id)
    stmt = (
        select(Touchpoint)
        .where(Touchpoint.candidate_id == candidate_id, Touchpoint.deleted_at.is_(None))
        .order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def contact_summaries(
    session: Session, *, actor: User, candidate_ids: Sequence[int]
) -> dict[int, ContactSummary]:
    """Last outreach and latest reply of each of these candidates (a page of a list)."""
    out = {candidate_id: ContactSummary() for candidate_id in candidate_ids}
    if not candidate_ids:
        return out
    live = (
        Touchpoint.team_id == actor.team_id,
        Touchpoint.candidate_id.in_(candidate_ids),
        Touchpoint.deleted_at.is_(None),
    )
    last = session.execute(
        select(Touchpoint.candidate_id, func.max(Touchpoint.occurred_at))
        .where(*live, Touchpoint.kind == Kind.outreach.value)
        .group_by(Touchpoint.candidate_id)
    )
    for candidate_id, at in last:
        out[candidate_id].last_contacted = _aware(at)
    order = func.row_number().over(
        partition_by=Touchpoint.candidate_id,
        order_by=(Touchpoint.occurred_at.desc(), Touchpoint.id.desc()),
    )
    replies = (
        select(Touchpoint.candidate_id, Touchpoint.occurred_at, Touchpoint.reply_status, order)
        .where(*live, Touchpoint.kind == Kind.reply.value)
        .subquery()
    )
    latest = select(replies.c.candidate_id, replies.c.occurred_at, replies.c.reply_status).where(
        replies.c[3] == 1
    )
    for candidate_id, at, status in session.execute(latest):
        out[candidate_id].replied_at = _aware(at)
        out[candidate_id].reply_status = status
    return out


def _aware(value: datetime | str | None) -> datetime | None:
    # Aggregates and subquery columns lose the column type's conversion on some drivers.
    from reachout.kit.time import as_utc

    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)
