"""Many more concurrent API requests than a server process has connections and threads.

An API request holds its database connection within one trip to the thread pool
(`reachout.routing.ApiRoute`). When a request took several trips and kept its connection
between them, requests waiting for a connection could hold every thread while the request
holding the connection waited for a thread for its next trip: nothing moved until the pool's
timeout. Here a server with 2 connections and 2 API threads answers 48 clients at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
from sqlalchemy import func, select

from reachout.db import Database
from reachout.models import Touchpoint
from tests.factories import World, make_candidate
from tests.reliability.conftest import ServerProcess

CLIENTS = 48


def test_a_crowd_of_requests_is_answered_by_few_connections(
    db: Database, world: World, spawn_server: Callable[..., ServerProcess]
) -> None:
    with db.unit_of_work() as s:
        ids = [make_candidate(s, team=world.team).id for _ in range(8)]
    settings = {"REACHOUT_POOL_SIZE": "2", "REACHOUT_API_THREADS": "2"}
    server = spawn_server(db.settings.database_url, settings=settings)
    server.start(world.member.headers)
    go = threading.Barrier(CLIENTS)
    answers: list[int | str] = []

    def client(n: int) -> None:
        body = {"candidate_id": ids[n % len(ids)], "channel": "text", "note": f"crowd-{n}"}
        with httpx.Client(base_url=server.url, headers=world.member.headers, timeout=20) as http:
            go.wait()
            try:
                # A write and a read each: writers queue for the connection, readers too.
                posted = http.post("/api/v1/touchpoints", json=body)
                read = http.get(f"/api/v1/candidates/{body['candidate_id']}")
                answers.extend([posted.status_code, read.status_code])
            except httpx.HTTPError as exc:
                answers.append(type(exc).__name__)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers, key=str) == sorted([201, 200] * CLIENTS, key=str), server.log()
    with db.unit_of_work(write=False) as s:
        written = s.scalar(
            select(func.count()).where(
                Touchpoint.team_id == world.team.id, Touchpoint.note.like("crowd-%")
            )
        )
    assert written == CLIENTS
