"""Two requests adding the same person at the same moment: one candidate, and a 409 that names
it (SPEC §4), even when both passed the uniqueness check before either wrote."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from reachout.candidates import service
from reachout.candidates.schemas import CandidateCreate
from reachout.db import Database
from reachout.errors import Conflict
from reachout.models import Candidate, User
from tests.factories import World


@pytest.mark.parametrize(
    "field", [{"emails": ["grace@example.com"]}, {"linkedin_url": "linkedin.com/in/grace"}]
)
def test_the_loser_of_a_race_gets_a_409_with_the_winners_id(
    db: Database, world: World, field: dict[str, object]
) -> None:
    data = CandidateCreate.model_validate({"name": "Grace", **field})
    first = db.new_session(write=True)
    actor = first.get(User, world.member.id)
    assert actor is not None
    # The first request has checked and written, but not committed, when the second starts:
    # on PostgreSQL the second passes the check too and waits on the unique key; on SQLite it
    # waits for the write lock.
    winner = service.create_candidate(first, actor=actor, data=data)
    started = threading.Event()

    def second() -> Conflict:
        with db.unit_of_work() as s:
            other = s.get(User, world.member.id)
            assert other is not None
            started.set()
            with pytest.raises(Conflict) as raised:
                service.create_candidate(s, actor=other, data=data)
            return raised.value

    with ThreadPoolExecutor(1) as pool:
        loser = pool.submit(second)
        started.wait(10)
        # Long enough for the second request to reach the database and wait there.
        threading.Event().wait(0.5)
        first.commit()
        conflict = loser.result(timeout=30)
    first.close()
    assert conflict.extra == {"existing_id": winner.id}
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Candidate)) == 1
