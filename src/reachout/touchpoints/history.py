"""What surrounds every change to candidates' histories, in the same transaction.

A touchpoint created, moved, edited or deleted, a batch logged or undone, a candidate deleted:
each is made inside `history_change`, which counts the activity the change may move before it,
and afterwards resolves the auto designations again (SPEC §2 rule 4), rebuilds the derived
thread rows the cohort view reads and adds the change in activity counts (SPEC §3).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reachout.kit.sql import local_day_of
from reachout.models import Candidate, Team, Touchpoint
from reachout.stats.activity import ActivityChange, rebuild_activity
from reachout.stats.threads import rebuild_threads
from reachout.touchpoints.resolution import resolve_auto_designations


@contextmanager
def history_change(
    session: Session, *, team: Team, candidate_ids: Sequence[int], since: datetime | None
) -> Iterator[None]:
    """The block changes these candidates' touchpoints at `since` or later (None: anywhere).

    `since` must cover the change's before and after: a touchpoint moved from one instant to
    another changes the history from the earlier of the two.
    """
    if not candidate_ids:
        yield
        return
    activity = ActivityChange(session, team_id=team.id, candidate_ids=candidate_ids, since=since)
    yield
    session.flush()
    resolve_auto_designations(
        session,
        candidate_ids=candidate_ids,
        since=since,
        reengage_after_days=team.reengage_after_days,
    )
    rebuild_threads(session, team_id=team.id, candidate_ids=candidate_ids, since=since)
    activity.apply(session)


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
    rebuild_activity(session, team_id=team.id)
