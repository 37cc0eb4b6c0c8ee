"""What surrounds every change to candidates' histories, in the same transaction (the
projection's interface for writers).

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
from reachout.projection.activity import ActivityChange, rebuild_activity
from reachout.projection.designations import resolve_auto_designations
from reachout.projection.enrollments import stop_replied
from reachout.projection.threads import (
    append_to_threads,
    only_appended,
    only_removed_last,
    rebuild_threads,
    remove_from_threads,
)


@dataclass
class Appended:
    """Touchpoints the change logged at its `since`, one per candidate, all of one kind."""

    rows: ColumnElement[bool]
    kind: Kind
    reply_status: str | None
    # Inserted with the designation their histories give them (a bulk's rows), rather than a
    # placeholder for resolution to replace.
    resolved: bool


class HistoryChange:
    """A change in the making. A change that only logs or deletes touchpoints at its `since`
    says so, and its threads are then updated rather than rebuilt when that is all it did."""

    def __init__(self) -> None:
        self.logged: Appended | None = None
        self.deleted: ColumnElement[bool] | None = None

    def appended(
        self,
        rows: ColumnElement[bool],
        *,
        kind: Kind,
        reply_status: str | None,
        resolved: bool = False,
    ) -> None:
        """The change logged `rows` (one per candidate, all at `since`, all of one kind)."""
        self.logged = Appended(rows, kind, reply_status, resolved)

    def removed(self, rows: ColumnElement[bool]) -> None:
        """The change deleted `rows` (outreach, one per candidate, all at `since`)."""
        self.deleted = rows


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
    logged, deleted = change.logged, change.deleted
    if (
        since is not None
        and logged is not None
        and only_appended(session, candidate_ids=candidate_ids, at=since)
    ):
        # Nothing follows the new rows: they are all a resolution could change.
        if not logged.resolved:
            _resolve(session, team=team, candidate_ids=candidate_ids, since=since)
        append_to_threads(
            session, new=logged.rows, at=since, kind=logged.kind, reply_status=logged.reply_status
        )
    elif (
        since is not None
        and deleted is not None
        and only_removed_last(session, candidate_ids=candidate_ids, at=since)
    ):
        # Nothing live is left at `since` or later: no designation can have changed.
        remove_from_threads(session, removed=deleted)
    else:
        _resolve(session, team=team, candidate_ids=candidate_ids, since=since)
        rebuild_threads(session, team_id=team.id, candidate_ids=candidate_ids, since=since)
    if deleted is None or logged is not None:
        # A reply logged or moved stops the enrollments it answers (SPEC §9).
        stop_replied(session, candidate_ids=candidate_ids)
    activity.apply(session)


def _resolve(
    session: Session, *, team: Team, candidate_ids: Sequence[int], since: datetime | None
) -> None:
    resolve_auto_designations(
        session,
        candidate_ids=candidate_ids,
        since=since,
        reengage_after_days=team.reengage_after_days,
    )


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
    rebuild_team(session, team_id=team.id)


def rebuild_team(session: Session, *, team_id: int) -> None:
    """Derive the team's threads and activity counts from its whole ledger again (its rules
    changed, or its history was loaded with its designations resolved already)."""
    rebuild_threads(session, team_id=team_id, candidate_ids=None)
    rebuild_activity(session, team_id=team_id)
