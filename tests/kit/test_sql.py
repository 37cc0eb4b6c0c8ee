"""kit.sql.shift_days on both databases, and the re-engagement window decided by every path.

SQLite's strftime() once rounded a fraction of .9995 s and up to the next second, which made an
outreach 23:59:59.5 after the previous one "more than a day" later (found by the stats tests).
Auto designations are decided in three places (SPEC §2 rule 3): in Python for a single log
(`designation_after`, its fast path), in SQL for a bulk (`designation_of_new_outreach`) and in
SQL when a history changes (`resolve_auto_designations`). Each boundary history below runs
through all three, so none of them can drift from the rule unseen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import literal, select, update
from sqlalchemy.orm import Session

from reachout.kit.sql import shift_days
from reachout.models import Team, Touchpoint, User
from reachout.models.base import UTCDateTime
from reachout.models.enums import Channel
from reachout.projection.designations import resolve_auto_designations
from reachout.touchpoints import bulk
from reachout.touchpoints.schemas import BulkCreate
from tests.factories import make_candidate, make_project, make_team
from tests.touchpoints.helpers import designations, log

FIRST = datetime.fromisoformat("2026-03-08T07:00:00.5+00:00")
DAY = timedelta(days=1)


def test_shift_days_keeps_the_second(session: Session) -> None:
    stamp = datetime.fromisoformat("2026-03-08T06:59:59.999999+00:00")
    shifted = session.scalar(select(shift_days(literal(stamp, UTCDateTime()), 1)))
    # SQLite once answered '2026-03-09 07:00:00.999999': one second late.
    assert str(shifted).startswith("2026-03-09 06:59:59.999999")


def _single_log(session: Session, team: Team, admin: User, at: datetime) -> int:
    candidate = make_candidate(session, team=team)
    log(session, admin, candidate.id, FIRST)
    log(session, admin, candidate.id, at)
    return candidate.id


def _bulk(session: Session, team: Team, admin: User, at: datetime) -> int:
    candidate = make_candidate(session, team=team)
    project = make_project(session, team=team, candidates=[candidate])
    log(session, admin, candidate.id, FIRST)
    data = BulkCreate(candidate_ids=[candidate.id], channel=Channel.inmail, occurred_at=at)
    bulk.log_bulk(session, actor=admin, project_id=project.id, data=data)
    return candidate.id


def _resolved_again(session: Session, team: Team, admin: User, at: datetime) -> int:
    """Logged, then every designation made wrong and the whole history resolved in SQL."""
    candidate_id = _single_log(session, team, admin, at)
    session.execute(
        update(Touchpoint)
        .where(Touchpoint.candidate_id == candidate_id)
        .values(designation="follow_up" if at - FIRST > DAY else "initial")
    )
    resolve_auto_designations(
        session, candidate_ids=[candidate_id], since=None, reengage_after_days=1
    )
    return candidate_id


PATHS: dict[str, Callable[[Session, Team, User, datetime], int]] = {
    "single log (Python)": _single_log,
    "bulk (SQL)": _bulk,
    "history resolved again (SQL)": _resolved_again,
}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("later_by", "second"),
    [
        # 23:59:59.499999 older: within the window, whatever SQLite's rounding.
        (timedelta(hours=23, minutes=59, seconds=59, microseconds=499999), "follow_up"),
        # Exactly N days older is not MORE than N days.
        (DAY, "follow_up"),
        (DAY + timedelta(microseconds=1), "initial"),
    ],
    ids=["a-day-less-half-a-second", "exactly-a-day", "a-day-and-a-microsecond"],
)
def test_the_reengagement_window_is_more_than_n_days_on_every_path(
    session: Session, path: str, later_by: timedelta, second: str
) -> None:
    """SPEC §2 rule 3: auto is initial only when the previous outreach is MORE than N days older."""
    team, admin = make_team(session)
    team.reengage_after_days = 1
    session.flush()
    candidate_id = PATHS[path](session, team, admin, FIRST + later_by)
    assert sorted(designations(session, candidate_id).items()) == [
        (min(designations(session, candidate_id)), "initial"),
        (max(designations(session, candidate_id)), second),
    ]
