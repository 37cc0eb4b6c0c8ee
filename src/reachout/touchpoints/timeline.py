"""What the pages show of a history: a candidate's timeline, and each candidate's last contact."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from reachout.candidates.service import require_candidate
from reachout.errors import Invalid
from reachout.kit.types import is_db_id
from reachout.models import Touchpoint, User
from reachout.models.enums import Kind

# Entries shown at once; "Show older activity" loads the next ones. A long history (a thousand
# entries) then costs the profile no more than a short one.
TIMELINE_PAGE = 100


@dataclass
class ContactSummary:
    last_contacted: datetime | None = None
    replied_at: datetime | None = None
    # The status of the latest reply (None: no reply, or a reply without a status).
    reply_status: str | None = None


def candidate_timeline(
    session: Session,
    *,
    actor: User,
    candidate_id: int,
    before_id: int | None = None,
    limit: int = TIMELINE_PAGE,
) -> tuple[list[Touchpoint], bool]:
    """A candidate's live touchpoints, newest first (the reverse of the history's order), and
    whether there are older ones. `before_id` continues after that touchpoint."""
    require_candidate(session, team_id=actor.team_id, candidate_id=candidate_id)
    stmt = select(Touchpoint).where(
        Touchpoint.candidate_id == candidate_id, Touchpoint.deleted_at.is_(None)
    )
    if before_id is not None:
        after = session.get(Touchpoint, before_id) if is_db_id(before_id) else None
        if after is None or after.candidate_id != candidate_id:
            raise Invalid.on("before", f"no touchpoint {before_id} of this candidate")
        stmt = stmt.where(
            or_(
                Touchpoint.occurred_at < after.occurred_at,
                and_(Touchpoint.occurred_at == after.occurred_at, Touchpoint.id < after.id),
            )
        )
    stmt = stmt.order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    return rows[:limit], len(rows) > limit


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
