"""What the pages show of a history: a candidate's timeline, and each candidate's last contact."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect
from sqlalchemy.orm import Session

from reachout.errors import Invalid
from reachout.kit.time import as_utc
from reachout.models import Candidate, Touchpoint, User
from reachout.models.enums import Kind
from reachout.touchpoints import repository

# Entries shown at once; "Show older activity" loads the next ones. A long history (a thousand
# entries) then costs the profile no more than a short one.
TIMELINE_PAGE = 100


@dataclass(frozen=True)
class LastContactColumns:
    """A candidate's last contact as columns of a statement over the team's live candidates
    (correlated with its `Candidate.id`), to filter and sort a list by in SQL: the latest live
    outreach (when, its day in the team's time zone, who is credited with it) and the latest
    live reply (its id, when, its status)."""

    contacted_at: ScalarSelect[Any]
    contacted_day: ScalarSelect[Any]
    owner_id: ScalarSelect[Any]
    reply_id: ScalarSelect[Any]
    replied_at: ScalarSelect[Any]
    reply_status: ScalarSelect[Any]


def last_contact_columns() -> LastContactColumns:
    latest = repository.latest_of_candidate
    outreach, reply = Kind.outreach, Kind.reply
    return LastContactColumns(
        contacted_at=latest(Touchpoint.occurred_at, kind=outreach),
        contacted_day=latest(Touchpoint.local_day, kind=outreach),
        owner_id=latest(Touchpoint.user_id, kind=outreach),
        reply_id=latest(Touchpoint.id, kind=reply),
        replied_at=latest(Touchpoint.occurred_at, kind=reply),
        reply_status=latest(Touchpoint.reply_status, kind=reply),
    )


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
    candidate: Candidate,
    before_id: int | None = None,
    limit: int = TIMELINE_PAGE,
) -> tuple[list[Touchpoint], bool]:
    """A candidate's live touchpoints, newest first (the reverse of the history's order), and
    whether there are older ones. `before_id` continues after that touchpoint."""
    after = None
    if before_id is not None:
        # Deleted since the page was shown or not, it still marks a place in the history.
        after = repository.entry(session, candidate_id=candidate.id, touchpoint_id=before_id)
        if after is None:
            raise Invalid.on("before", f"no touchpoint {before_id} of this candidate")
    rows = repository.timeline(
        session, team_id=actor.team_id, candidate_id=candidate.id, after=after, limit=limit + 1
    )
    return rows[:limit], len(rows) > limit


def reply_channel(session: Session, *, actor: User, candidate: Candidate) -> str | None:
    """The Type a reply to the candidate most likely came by: the channel of their latest
    outreach (None before any)."""
    return repository.last_outreach_channel(
        session, team_id=actor.team_id, candidate_id=candidate.id
    )


def contact_summaries(
    session: Session, *, actor: User, candidate_ids: Sequence[int]
) -> dict[int, ContactSummary]:
    """Last outreach and latest reply of each of these candidates (a page of a list)."""
    out = {candidate_id: ContactSummary() for candidate_id in candidate_ids}
    if not candidate_ids:
        return out
    rows = repository.last_contacts(session, team_id=actor.team_id, candidate_ids=candidate_ids)
    for candidate_id, contacted_at, replied_at, status in rows:
        out[candidate_id] = ContactSummary(
            last_contacted=_aware(contacted_at), replied_at=_aware(replied_at), reply_status=status
        )
    return out


def _aware(value: datetime | str | None) -> datetime | None:
    # Aggregates and subquery columns lose the column type's conversion on some drivers.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)
