"""No cross-team access (SPEC §1, §4, §6): another team's id is answered as a missing one, 404.

Generated from the app's route table: every method of every API route and web page that has an
id in its path is called by team A's admin with team B's ids, and must answer 404 and write
nothing. The same request with team A's own ids must not be a 404, which shows that the route
was reached and that the 404 comes from the ownership check, not from a path that matches no
route or a request that could not be read.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from reachout.db import Database
from tests.conftest import LiveServer
from tests.factories import World
from tests.problems import problem_failures
from tests.security.conftest import WebClient, snapshot
from tests.security.holdings import Holdings, make_holdings
from tests.security.routes import Endpoint, endpoints, problems_of, served_app


def call(
    endpoint: Endpoint,
    api: httpx.Client,
    web: WebClient,
    csrf: str,
    *,
    path_ids: Holdings,
    own: Holdings,
) -> httpx.Response:
    extras: dict[str, Any] = endpoint.extras(own)
    url = endpoint.url(path_ids)
    if endpoint.is_api:
        return api.request(
            endpoint.method, url, json=extras.get("json"), params=extras.get("params")
        )
    return web.send(
        endpoint.method,
        url,
        form=extras.get("form"),
        params=extras.get("params"),
        csrf=None if endpoint.is_safe else csrf,
    )


def test_every_route_with_an_id_is_closed_to_other_teams(
    live_server: LiveServer, db: Database, world: World, web: WebClient
) -> None:
    routes = [e for e in endpoints(served_app(live_server)) if e.params]
    unusable = [p for e in routes for p in problems_of(e)]
    assert not unusable, "\n".join(unusable)
    with db.unit_of_work() as s:
        theirs = make_holdings(s, team=world.other_team, admin=world.outsider.user)
    csrf = web.csrf("/settings")
    failures = []
    headers = world.admin.headers
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=30) as api:
        for endpoint in routes:
            with db.unit_of_work() as s:
                # Fresh rows for every route: the previous route may have deleted its own.
                own = make_holdings(
                    s, team=world.team, admin=world.admin.user, member=world.member.user
                )
            before = snapshot(db)
            answer = call(endpoint, api, web, csrf, path_ids=theirs, own=own)
            if answer.status_code != 404:
                failures.append(f"{endpoint.key}: {answer.status_code} {answer.text[:200]}")
            elif endpoint.is_api and (wrong := problem_failures(answer, 404)):
                failures.append(f"{endpoint.key}: a 404 that is not a problem: {wrong}")
            if snapshot(db) != before:
                failures.append(f"{endpoint.key}: another team's id changed the database")
            control = call(endpoint, api, web, csrf, path_ids=own, own=own)
            if control.status_code in (401, 403, 404, 422) or control.status_code >= 500:
                failures.append(
                    f"{endpoint.key} with the team's own ids: {control.status_code} "
                    f"{control.text[:200]}"
                )
    assert not failures, "\n".join(failures)
    # The table is read, not assumed: both edges and every kind of id are in it.
    assert sum(e.is_api for e in routes) >= 13 and sum(not e.is_api for e in routes) >= 10
    assert {p for e in routes for p in e.params} >= {
        "candidate_id",
        "project_id",
        "touchpoint_id",
        "batch_id",
        "token_id",
        "member_id",
    }


def test_a_route_with_an_unknown_path_parameter_fails_the_tests() -> None:
    """A new route must be covered: one whose id the tests cannot fill is reported, not skipped."""
    app = FastAPI()

    @app.get("/api/v1/mailboxes/{mailbox_id}")
    def mailbox(mailbox_id: int) -> None: ...

    @app.post("/pipelines/{project_id}")
    def pipeline(project_id: int, body: dict[str, int]) -> None: ...

    found = {e.key: problems_of(e) for e in endpoints(app) if e.params}
    assert "mailbox_id" in found["GET /api/v1/mailboxes/{mailbox_id}"][0]
    assert "REQUESTS" in found["POST /pipelines/{project_id}"][0]


def test_on_the_pages_an_id_too_big_for_the_database_is_a_missing_one(
    db: Database, world: World, web: WebClient
) -> None:
    # 2**31 does not fit PostgreSQL's INTEGER: it once reached the database and failed there.
    with db.unit_of_work() as s:
        own = make_holdings(s, team=world.team, admin=world.admin.user, member=world.member.user)
    too_big = 2**31
    for path in (f"/candidates/{too_big}", f"/projects/{too_big}", f"/touchpoints/{too_big}/edit"):
        assert web.send("GET", path).status_code == 404, path
    timeline = web.send("GET", f"/candidates/{own['candidate_id']}/timeline?before={too_big}")
    assert timeline.status_code == 422
