"""What surrounds every change to candidates' histories, in the same transaction.

A touchpoint created, moved, edited or deleted, a batch logged or undone, a candidate deleted:
each is made inside `history_change`, which counts the activity the change may move before it,
and afterwards resolves the auto designations again (SPEC §2 rule 4), rebuilds the derived
thread rows the cohort view reads and adds the change in activity counts (SPEC §3).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from reachout.kit.sql import local_day_of
from reachout.models import Candidate, Team, Touchpoint
from reachout.models.enums import Kind
from reachout.stats.activity import ActivityChange, rebuild_activity
from reachout.stats.threads import append_to_threads, only_appended, rebuild_threads
from reachout.touchpoints.resolution import resolve_auto_designations


@dataclass
class Appended:
    """Touchpoints the change logged at its `since`, one per candidate, all of one kind."""

    rows: ColumnElement[bool]
    kind: Kind
    reply_status: str | None


class HistoryChange:
    """A change in the making; `appended` tells what it logged, when it logs."""

    def __init__(self) -> None:
        self.logged: Appended | None = None

    def appended(self, rows: ColumnElement[bool], *, kind: Kind, reply_status: str | None) -> None:
        self.logged = Appended(rows, kind, reply_status)


@contextmanager
def history_change(
    session: Session, *, team: Team, candidate_ids: Sequence[int], since: datetime | None
) -> Iterator[HistoryChange]:
    """The block changes these candidates' touchpoints at `since` or later (None: anywhere).

    `since` must cover the change's before and after: a touchpoint moved from one instant to
    another changes the history from the earlier of the two.
    """
    change = HistoryChange()
    if not candidate_ids:
        yield change
        return
    activity = ActivityChange(session, team_id=team.id, candidate_ids=candidate_ids, since=since)
    yield change
    session.flush()
    resolve_auto_designations(
        session,
        candidate_ids=candidate_ids,
        since=since,
        reengage_after_days=team.reengage_after_days,
    )
    logged = change.logged
    if (
        logged is not None
        and since is not None
        and only_appended(session, candidate_ids=candidate_ids, at=since)
    ):
        append_to_threads(
            session, new=logged.rows, at=since, kind=logged.kind, reply_status=logged.reply_status
        )
    else:
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
