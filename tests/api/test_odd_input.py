"""What the fuzzer found, pinned: odd input is a 404 or a 422 problem, never a 500 (SPEC §4)."""

from __future__ import annotations

import httpx

from reachout.db import Database
from reachout.models import Team
from tests.factories import World
from tests.problems import assert_problem

# One past the largest id an INTEGER column holds on PostgreSQL: it used to reach the database,
# which answered "integer out of range" (a 500) instead of finding nothing.
TOO_BIG = 2**31


def test_an_id_too_big_for_the_database_is_not_found(client: httpx.Client, world: World) -> None:
    for method, path in [
        ("GET", f"/candidates/{TOO_BIG}"),
        ("PATCH", f"/candidates/{TOO_BIG}"),
        ("DELETE", f"/candidates/{TOO_BIG}"),
        ("GET", f"/projects/{TOO_BIG}"),
        ("GET", f"/projects/{TOO_BIG}/candidates"),
        ("GET", f"/touchpoints/{TOO_BIG}"),
        ("DELETE", f"/touchpoints/{TOO_BIG}"),
        ("GET", f"/batches/{TOO_BIG}"),
        ("DELETE", f"/batches/{TOO_BIG}"),
        ("DELETE", f"/tokens/{TOO_BIG}"),
        ("GET", f"/candidates/{2**63}"),
    ]:
        body = {} if method == "PATCH" else None
        answer = client.request(method, path, json=body, headers=world.admin.headers)
        assert_problem(answer, 404)


def test_a_filter_or_a_body_with_an_id_too_big_is_invalid(
    client: httpx.Client, world: World
) -> None:
    for path, field in [
        (f"/candidates?project_id={TOO_BIG}", "project_id"),
        (f"/touchpoints?candidate_id={TOO_BIG}", "candidate_id"),
        (f"/touchpoints?project_id={TOO_BIG}", "project_id"),
        (f"/touchpoints?user_id={TOO_BIG}", "user_id"),
        (f"/stats/outreach?user_id={TOO_BIG}", "user_id"),
        (f"/stats/outreach?project_id={TOO_BIG}", "project_id"),
    ]:
        assert_problem(client.get(path, headers=world.admin.headers), 422, field)
    body = {"candidate_id": TOO_BIG, "channel": "inmail"}
    answer = client.post("/touchpoints", json=body, headers=world.admin.headers)
    assert_problem(answer, 422, "candidate_id")


def test_a_body_that_is_not_utf8_is_the_same_422_as_one_that_is_not_json(
    client: httpx.Client, world: World
) -> None:
    headers = {**world.admin.headers, "Content-Type": "application/json"}
    for body in (b'{"name": "\xff\xfe"}', b"\x80\x81", b"{not json"):
        answer = client.post("/candidates", content=body, headers=headers)
        assert_problem(answer, 422, "body")


def test_a_team_setting_cannot_be_cleared_or_blank(
    client: httpx.Client, db: Database, world: World
) -> None:
    # A null used to reach the NOT NULL column and come back as a 409 "conflict"; a NUL, a 500
    # on PostgreSQL.
    for change, field in [
        ({"time_zone": None}, "time_zone"),
        ({"name": None}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "Nul\x00team"}, "name"),
    ]:
        answer = client.patch("/team", json=change, headers=world.admin.headers)
        assert_problem(answer, 422, field)
    with db.unit_of_work() as s:
        team = s.get(Team, world.team.id)
        assert team is not None and team.time_zone == "UTC" and team.name == world.team.name


def test_a_team_name_is_stored_trimmed(client: httpx.Client, world: World) -> None:
    answer = client.patch("/team", json={"name": "  Talent  "}, headers=world.admin.headers)
    assert answer.status_code == 200
    assert answer.json()["name"] == "Talent"


def test_a_nul_character_is_invalid_not_a_server_error(client: httpx.Client, world: World) -> None:
    # PostgreSQL cannot store NUL in text: these used to fail there with a 500.
    for path, body, field in [
        ("/users", {"email": "nul@example.com", "name": "A\x00B"}, "name"),
        ("/tokens", {"label": "lap\x00top"}, "label"),
    ]:
        assert_problem(client.post(path, json=body, headers=world.admin.headers), 422, field)
