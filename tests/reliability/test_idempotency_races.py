"""SPEC §2 rule 8 under timeouts and races: one Idempotency-Key, one write, one answer.

A client that gives up waiting and sends its POST again with the same key, or several copies of
one POST racing each other, must end with the work done once and every answer the same. A
request that waits too long for the database gets a 503 and leaves its key unused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from reachout.config import Settings
from reachout.db import Database
from reachout.models import Batch, Touchpoint
from tests.conftest import LiveServer
from tests.factories import World, make_candidate, make_project
from tests.reliability.conftest import assert_server_problem, writers_held

COPIES = 5
# Connecting may be slow on a busy machine; it is the wait for the answer that runs out.
IMPATIENT = httpx.Timeout(30, read=0.3)


def _single(db: Database, world: World, key: str) -> tuple[str, dict[str, Any]]:
    with db.unit_of_work() as s:
        candidate = make_candidate(s, team=world.team)
    return "/touchpoints", {"candidate_id": candidate.id, "channel": "call", "note": key}


def _bulk(db: Database, world: World, key: str) -> tuple[str, dict[str, Any]]:
    with db.unit_of_work() as s:
        project = make_project(
            s, team=world.team, candidates=[make_candidate(s, team=world.team) for _ in range(3)]
        )
    return f"/projects/{project.id}/touchpoints/bulk", {"all": True, "channel": "text", "note": key}


REQUESTS: dict[str, Callable[[Database, World, str], tuple[str, dict[str, Any]]]] = {
    "single": _single,
    "bulk": _bulk,
}


def _written(db: Database, note: str) -> list[tuple[int, int | None]]:
    """(id, batch_id) of the touchpoints carrying this note."""
    with db.unit_of_work(write=False) as s:
        rows = s.execute(select(Touchpoint.id, Touchpoint.batch_id).where(Touchpoint.note == note))
        return [(tp_id, batch_id) for tp_id, batch_id in rows]


def _batches(db: Database) -> int:
    with db.unit_of_work(write=False) as s:
        return s.scalar(select(func.count()).select_from(Batch)) or 0


def _post_copies(
    base_url: str, path: str, body: dict[str, Any], headers: dict[str, str], copies: int
) -> tuple[list[threading.Thread], list[httpx.Response]]:
    """Send `copies` identical POSTs at once, each on its own connection."""
    answers: list[httpx.Response] = []
    barrier = threading.Barrier(copies)

    def send() -> None:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            barrier.wait()
            answers.append(client.post(path, json=body, headers=headers))

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for t in threads:
        t.start()
    return threads, answers


def _assert_one_answer(
    answers: list[httpx.Response], *, copies: int, fresh: int | None
) -> dict[str, Any]:
    """Every copy answered 201 with the same body; `fresh` of them did the work."""
    assert [r.status_code for r in answers] == [201] * copies, [r.text for r in answers]
    bodies = {r.text for r in answers}
    assert len(bodies) == 1, bodies
    did_work = sum("Idempotent-Replayed" not in r.headers for r in answers)
    assert did_work == fresh if fresh is not None else did_work <= 1
    body: dict[str, Any] = answers[0].json()
    return body


def _assert_written_once(db: Database, key: str, kind: str, answer: dict[str, Any]) -> None:
    rows = _written(db, key)
    if kind == "single":
        assert [tp_id for tp_id, _ in rows] == [answer["id"]]
    else:
        assert len(rows) == 3 and {batch for _, batch in rows} == {answer["batch_id"]}


@pytest.mark.parametrize("kind", REQUESTS)
def test_timed_out_post_retried_with_its_key_is_written_once(
    live_server: LiveServer, db: Database, world: World, kind: str
) -> None:
    key = f"timeout-{kind}"
    path, body = REQUESTS[kind](db, world, key)
    headers = {**world.member.headers, "Idempotency-Key": key}
    batches = _batches(db)
    with writers_held(db, team_id=world.team.id):
        # The write cannot finish while the lock is held: the client gives up waiting.
        with (
            httpx.Client(base_url=live_server.url + "/api/v1", timeout=IMPATIENT) as impatient,
            pytest.raises(httpx.ReadTimeout),
        ):
            impatient.post(path, json=body, headers=headers)
        # It retries, more patiently, several times over, while the first try is in flight.
        threads, answers = _post_copies(
            live_server.url + "/api/v1", path, body, headers, copies=COPIES
        )
        threading.Event().wait(0.3)
        assert answers == [], "a retry was answered while the first try could not finish"
    for t in threads:
        t.join(timeout=60)
    # PostgreSQL: the first try claimed the key, the retries waited for it and replay its answer.
    # SQLite: whichever got the write lock first did the work; the others replay it.
    answer = _assert_one_answer(answers, copies=COPIES, fresh=None)
    _assert_written_once(db, key, kind, answer)
    assert _batches(db) == batches + (kind == "bulk")
    with httpx.Client(base_url=live_server.url + "/api/v1", timeout=30) as client:
        later = client.post(path, json=body, headers=headers)
    assert later.headers["Idempotent-Replayed"] == "true" and later.json() == answer


def test_racing_copies_of_one_post_write_once(
    live_server: LiveServer, db: Database, world: World
) -> None:
    headers = world.member.headers
    with httpx.Client(base_url=live_server.url + "/api/v1", timeout=30) as client:
        # Use the token once first: its first use records last_used_at, which would make the
        # copies queue on the token's row (PostgreSQL) instead of racing for the key.
        warm_path, warm_body = _single(db, world, "warm-up")
        assert client.post(warm_path, json=warm_body, headers=headers).status_code == 201
    path, body = _single(db, world, "race")
    threads, answers = _post_copies(
        live_server.url + "/api/v1", path, body, {**headers, "Idempotency-Key": "race"}, copies=8
    )
    for t in threads:
        t.join(timeout=60)
    answer = _assert_one_answer(answers, copies=8, fresh=1)
    _assert_written_once(db, "race", "single", answer)


@pytest.fixture
def impatient_server(database: Database) -> Iterator[LiveServer]:
    """A server on the same database that waits at most 200 ms for a lock."""
    if database.dialect == "sqlite":
        settings = Settings(database_url=database.settings.database_url, sqlite_busy_timeout_ms=200)
    else:
        url = make_url(database.settings.database_url)
        url = url.update_query_dict({"options": "-c lock_timeout=200"})
        settings = Settings(database_url=url.render_as_string(hide_password=False))
    server = LiveServer(Database(settings))
    server.start()
    yield server
    server.stop()
    server.db.dispose()


def test_post_waiting_too_long_for_a_lock_answers_503_and_keeps_its_key(
    impatient_server: LiveServer, db: Database, world: World
) -> None:
    path, body = _single(db, world, "busy")
    headers = {**world.member.headers, "Idempotency-Key": "busy"}
    with httpx.Client(base_url=impatient_server.url + "/api/v1", timeout=30) as client:
        with writers_held(db, team_id=world.team.id):
            busy = client.post(path, json=body, headers=headers)
        problem = assert_server_problem(busy)
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "1", problem
        assert _written(db, "busy") == []
        retried = client.post(path, json=body, headers=headers)
        assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
        again = client.post(path, json=body, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == retried.json()
    _assert_written_once(db, "busy", "single", retried.json())
