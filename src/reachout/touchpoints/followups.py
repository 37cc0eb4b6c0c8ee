"""Follow-ups due: the candidates a team member should contact again, oldest first.

Two reasons, both read from the ledger as it is now (deleted touchpoints take no part):
- `no_reply`: the candidate's latest touchpoint is an outreach credited to the member
  (`touchpoint.user_id`) at least `days` days ago, so nothing came back since;
- `later`: the candidate's latest touchpoint is a reply marked "Follow up later" at least
  `later_days` days ago (14 by default: "later" rarely means "in three days"), so nobody has
  reached out since; it is the member's when they are credited with the candidate's latest
  outreach (with none, an inbound reply: with the reply).

Days are counted in the team's time zone, on each touchpoint's local day: with `days=3`, on
Thursday an outreach of Monday is due, whatever time of day either happens at. The API
(`GET /api/v1/follow-ups`) and the Follow-ups page share this service.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from reachout.kit import time as clock
from reachout.kit.pagination import DEFAULT_LIMIT, Page, decode_position, encode_position
from reachout.models import User
from reachout.models.enums import Kind
from reachout.touchpoints import repository
from reachout.touchpoints.schemas import (
    FOLLOW_UP_DAYS,
    LATER_DAYS,
    FollowUpRead,
    FollowUpReason,
)


def follow_ups_due(
    session: Session,
    *,
    actor: User,
    days: int = FOLLOW_UP_DAYS,
    later_days: int = LATER_DAYS,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[FollowUpRead]:
    """The actor's follow-ups due today (in the team's time zone), oldest first."""
    today = clock.local_day(clock.now(), actor.team.time_zone)
    rows = repository.due_follow_ups(
        session,
        team_id=actor.team_id,
        user_id=actor.id,
        outreach_by=today - timedelta(days=days),
        later_by=today - timedelta(days=later_days),
        after=decode_position(cursor),
        limit=limit + 1,
    )
    items = [_read(row, days=days, later_days=later_days) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_position(_instant(last.at), last.touch_id)
    return Page(items=items, next_cursor=next_cursor)


def _read(row: Row[Any], *, days: int, later_days: int) -> FollowUpRead:
    later = row.kind == Kind.reply.value
    day = _day(row.day)
    return FollowUpRead(
        candidate_id=row.candidate_id,
        name=row.name,
        primary_email=row.primary_email,
        reason=FollowUpReason.later if later else FollowUpReason.no_reply,
        last_outreach_at=_instant(row.outreach_at) if row.outreach_at else None,
        last_outreach_channel=row.outreach_channel,
        replied_at=_instant(row.at) if later else None,
        due_since=day + timedelta(days=later_days if later else days),
    )


# The subquery columns come back untyped on SQLite: text, as stored.
def _instant(value: datetime | str) -> datetime:
    return clock.as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _day(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
