"""kit.sql.shift_days on both databases: exact to the microsecond, whatever the fraction.

SQLite's strftime() once rounded a fraction of .9995 s and up to the next second, which made an
outreach 23:59:59.5 after the previous one "more than a day" later (found by the stats tests).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from reachout.kit.sql import shift_days
from reachout.models.base import UTCDateTime
from tests.factories import make_candidate, make_team
from tests.touchpoints.helpers import designations, log


def test_shift_days_keeps_the_second(session: Session) -> None:
    stamp = datetime.fromisoformat("2026-03-08T06:59:59.999999+00:00")
    shifted = session.scalar(select(shift_days(literal(stamp, UTCDateTime()), 1)))
    # SQLite once answered '2026-03-09 07:00:00.999999': one second late.
    assert str(shifted).startswith("2026-03-09 06:59:59.999999")


def test_an_outreach_within_the_reengagement_window_is_a_follow_up(session: Session) -> None:
    """SPEC §2 rule 3: auto is initial only when the previous outreach is MORE than N days older.

    Here it is 23:59:59.499999 older, with N = 1.
    """
    team, admin = make_team(session)
    team.reengage_after_days = 1
    candidate = make_candidate(session, team=team)
    first = log(session, admin, candidate.id, datetime.fromisoformat("2026-03-08T07:00:00.5+00:00"))
    second = log(
        session, admin, candidate.id, datetime.fromisoformat("2026-03-09T06:59:59.999999+00:00")
    )
    assert designations(session, candidate.id) == {first.id: "initial", second.id: "follow_up"}
