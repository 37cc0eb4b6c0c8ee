"""What the pages show of a history: a candidate's timeline, and each candidate's last contact."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from reachout.errors import Invalid
from reachout.kit.time import as_utc
from reachout.models import Candidate, Touchpoint, User
from reachout.touchpoints import repository

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
    team_id = actor.team_id
    for candidate_id, at in repository.last_outreach(
        session, team_id=team_id, candidate_ids=candidate_ids
    ):
        out[candidate_id].last_contacted = _aware(at)
    for candidate_id, at, status in repository.latest_replies(
        session, team_id=team_id, candidate_ids=candidate_ids
    ):
        out[candidate_id].replied_at = _aware(at)
        out[candidate_id].reply_status = status
    return out


def _aware(value: datetime | str | None) -> datetime | None:
    # Aggregates and subquery columns lose the column type's conversion on some drivers.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)
