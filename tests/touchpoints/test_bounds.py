"""Instants and days out of the years the product stores are a 422, never a 500 (SPEC §4).

A UTC instant near year 1 or 9999 overflows once seen in a time zone 14 hours away (Python's
`datetime` and both databases stop at 9999): it used to answer 500 on every path that accepts
one, and a team's later change of time zone could store a local day PostgreSQL cannot read.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reachout.db import Database
from tests.conftest import LiveServer
from tests.problems import assert_problem
from tests.security.conftest import WebClient
from tests.touchpoints.conftest import Setup

EXTREMES = [
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "1899-12-31T23:59:59Z",
    "2200-01-01T00:00:00Z",
    "9999-12-31T23:00:00Z",
    "9999-12-31T23:59:59-14:00",
]


@pytest.mark.parametrize("instant", EXTREMES)
def test_every_api_path_refuses_an_instant_out_of_range(
    client: httpx.Client, setup: Setup, instant: str
) -> None:
    headers = setup.world.admin.headers
    body: dict[str, Any] = {"candidate_id": setup.candidate_id, "channel": "inmail"}
    logged = client.post("/touchpoints", json=body, headers=headers)
    assert logged.status_code == 201
    answers = [
        client.post("/touchpoints", json={**body, "occurred_at": instant}, headers=headers),
        client.patch(
            f"/touchpoints/{logged.json()['id']}", json={"occurred_at": instant}, headers=headers
        ),
        client.post(
            f"/projects/{setup.project_id}/touchpoints/bulk",
            json={"all": True, "channel": "text", "occurred_at": instant},
            headers=headers,
        ),
    ]
    for r in answers:
        problem = assert_problem(r, 422, "occurred_at")
        assert "1900-01-01 and 2199-12-31" in problem["detail"]
    for bound in ("from", "to"):
        r = client.get("/touchpoints", params={bound: instant}, headers=headers)
        assert_problem(r, 422, bound)


def test_the_years_at_the_edges_are_accepted(client: httpx.Client, setup: Setup) -> None:
    headers = setup.world.admin.headers
    for instant in ("1900-01-01T00:00:00Z", "2199-12-31T23:59:59.999999Z"):
        body = {"candidate_id": setup.candidate_id, "channel": "call", "occurred_at": instant}
        assert client.post("/touchpoints", json=body, headers=headers).status_code == 201
    listed = client.get("/touchpoints", params={"from": "1900-01-01T00:00:00Z"}, headers=headers)
    assert len(listed.json()["items"]) == 2


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
def test_stats_refuse_a_day_out_of_range(client: httpx.Client, setup: Setup, day: str) -> None:
    for bound in ("from", "to"):
        r = client.get("/stats/outreach", params={bound: day}, headers=setup.world.admin.headers)
        assert_problem(r, 422, bound)


def test_a_time_zone_change_cannot_make_a_day_the_database_cannot_store(
    client: httpx.Client, setup: Setup
) -> None:
    """The latest instant a UTC team may log, seen from Tokyo, is still a day of 2200."""
    headers = setup.world.admin.headers
    body = {
        "candidate_id": setup.candidate_id,
        "channel": "inmail",
        "occurred_at": "2199-12-31T23:00:00Z",
    }
    logged = client.post("/touchpoints", json=body, headers=headers)
    assert logged.status_code == 201
    changed = client.patch("/team", json={"time_zone": "Asia/Tokyo"}, headers=headers)
    assert changed.status_code == 200, changed.text
    again = client.post("/touchpoints", json={**body, "occurred_at": None}, headers=headers)
    assert again.status_code == 201, again.text
    assert client.get(f"/touchpoints/{logged.json()['id']}", headers=headers).status_code == 200
    listed = client.get(
        "/touchpoints", params={"candidate_id": setup.candidate_id}, headers=headers
    )
    assert len(listed.json()["items"]) == 2
    assert client.delete(f"/touchpoints/{logged.json()['id']}", headers=headers).status_code == 204


@pytest.mark.parametrize("local", ["9999-12-31T23:59", "0001-01-01T00:00", "1899-12-31T23:59"])
def test_the_log_activity_form_refuses_an_instant_out_of_range(
    live_server: LiveServer, db: Database, setup: Setup, local: str
) -> None:
    """In a New York team, 9999-12-31T23:59 is in year 10000 in UTC: it was a 500."""
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        web = WebClient(http)
        web.sign_in(setup.world.admin.user.email)
        api = {"Authorization": setup.world.admin.headers["Authorization"]}
        zone = {"time_zone": "America/New_York"}
        assert http.patch("/api/v1/team", json=zone, headers=api).status_code == 200
        form = {"channel": "call", "activity": "auto", "occurred_at": local}
        path = f"/candidates/{setup.candidate_id}"
        r = web.send("POST", f"{path}/touchpoints", form=form, csrf=web.csrf(path))
        assert r.status_code == 422, r.text
        assert "1900-01-01 and 2199-12-31" in r.text
