"""Many more concurrent requests than a server process has connections and threads.

An API request or a page holds its database connection within one trip to the thread pool
(`reachout.routing.ApiRoute`, `UnitOfWorkRoute`). When a request took several trips and kept
its connection between them, requests waiting for a connection could hold every thread while
the request holding the connection waited for a thread for its next trip: nothing moved until
the pool's timeout. Here a server with 2 connections answers more clients than it has threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select

from reachout.db import Database
from reachout.models import Touchpoint
from tests.factories import World, make_candidate
from tests.reliability.conftest import ServerProcess
from tests.security.conftest import WebClient

CLIENTS = 48
# More than the thread pool that pages share (anyio's default limiter: 40 threads).
PAGE_CLIENTS = 60


def test_a_crowd_of_requests_is_answered_by_few_connections(
    db: Database, world: World, spawn_server: Callable[..., ServerProcess]
) -> None:
    with db.unit_of_work() as s:
        ids = [make_candidate(s, team=world.team).id for _ in range(8)]
    settings = {"REACHOUT_POOL_SIZE": "2", "REACHOUT_API_THREADS": "2"}
    server = spawn_server(db.settings.database_url, settings=settings)
    server.start(world.member.headers)

    def write_and_read(http: httpx.Client, n: int) -> list[int]:
        # A write and a read each: writers queue for the connection, readers too.
        body = {"candidate_id": ids[n % len(ids)], "channel": "text", "note": f"crowd-{n}"}
        posted = http.post("/api/v1/touchpoints", json=body)
        read = http.get(f"/api/v1/candidates/{body['candidate_id']}")
        return [posted.status_code, read.status_code]

    answers = _at_once(CLIENTS, write_and_read, base_url=server.url, headers=world.member.headers)
    assert sorted(answers, key=str) == sorted([201, 200] * CLIENTS, key=str), server.log()
    with db.unit_of_work(write=False) as s:
        written = s.scalar(
            select(func.count()).where(
                Touchpoint.team_id == world.team.id, Touchpoint.note.like("crowd-%")
            )
        )
    assert written == CLIENTS


def test_a_crowd_of_page_requests_is_answered_by_few_connections(
    db: Database, world: World, spawn_server: Callable[..., ServerProcess]
) -> None:
    with db.unit_of_work() as s:
        ids = [make_candidate(s, team=world.team).id for _ in range(8)]
    server = spawn_server(db.settings.database_url, settings={"REACHOUT_POOL_SIZE": "2"})
    server.start(world.member.headers)
    with httpx.Client(base_url=server.url, timeout=20) as http:
        WebClient(http).sign_in(world.member.user.email)
        cookies = dict(http.cookies)

    def page(http: httpx.Client, n: int) -> list[int]:
        return [http.get(f"/candidates/{ids[n % len(ids)]}").status_code]

    answers = _at_once(PAGE_CLIENTS, page, base_url=server.url, cookies=cookies)
    assert answers == [200] * PAGE_CLIENTS, server.log()


def _at_once(
    clients: int, ask: Callable[[httpx.Client, int], list[int]], **client: Any
) -> list[int | str]:
    """Each client's answers (or the HTTP error it got), all clients asking at once."""
    go = threading.Barrier(clients)
    answers: list[int | str] = []

    def run(n: int) -> None:
        with httpx.Client(timeout=20, **client) as http:
            go.wait()
            try:
                answers.extend(ask(http, n))
            except httpx.HTTPError as exc:
                answers.append(type(exc).__name__)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers
