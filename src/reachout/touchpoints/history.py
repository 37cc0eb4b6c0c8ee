"""What follows every change to candidates' histories, in the same transaction.

A touchpoint created, moved, edited or deleted, a batch logged or undone, a candidate deleted:
each calls `history_changed`, which resolves the auto designations again (SPEC §2 rule 4) and
rebuilds the derived thread rows the statistics read (SPEC §3).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reachout.kit.sql import local_day_of
from reachout.models import Candidate, Team, Touchpoint
from reachout.stats.threads import rebuild_threads
from reachout.touchpoints.resolution import resolve_auto_designations


def history_changed(
    session: Session, *, team: Team, candidate_ids: Sequence[int], since: datetime | None
) -> None:
    """These candidates' touchpoints changed at `since` or later (None: anywhere)."""
    resolve_auto_designations(
        session,
        candidate_ids=candidate_ids,
        since=since,
        reengage_after_days=team.reengage_after_days,
    )
    rebuild_threads(session, team_id=team.id, candidate_ids=candidate_ids, since=since)


def team_rules_changed(session: Session, *, team: Team, time_zone_changed: bool) -> None:
    """The team's re-engagement window or time zone changed: its whole history is redone."""
    if time_zone_changed:
        session.execute(
            update(Touchpoint)
            .where(Touchpoint.team_id == team.id)
            .values(local_day=local_day_of(Touchpoint.occurred_at, team.time_zone))
            .execution_options(synchronize_session=False)
        )
    candidate_ids = list(session.scalars(select(Candidate.id).where(Candidate.team_id == team.id)))
    resolve_auto_designations(
        session,
        candidate_ids=candidate_ids,
        since=None,
        reengage_after_days=team.reengage_after_days,
    )
    rebuild_threads(session, team_id=team.id, candidate_ids=None)
