from __future__ import annotations

import httpx

from tests.factories import World


def test_me_answers_the_token_owner_and_their_team(client: httpx.Client, world: World) -> None:
    r = client.get("/me", headers=world.member.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == world.member.id
    assert body["role"] == "member"
    assert body["team"] == {"id": world.team.id, "name": world.team.name, "time_zone": "UTC"}


def test_no_token_or_a_bad_one_is_401_problem(client: httpx.Client, world: World) -> None:
    for headers in ({}, {"Authorization": "Bearer ro_not-a-token"}, {"Authorization": "Basic x"}):
        r = client.get("/me", headers=headers)
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["status"] == 401


def test_a_bad_token_is_401_whatever_else_is_wrong(client: httpx.Client, world: World) -> None:
    """The token is checked with the rest of the request's work, after its input is read; an
    input error must still not answer a caller whose token is not valid."""
    bad = {"Authorization": "Bearer ro_not-a-token"}
    for method, path, body in (
        ("POST", "/touchpoints", {"candidate_id": "x", "channel": "fax"}),
        ("GET", "/candidates/not-a-number", None),
        ("POST", "/touchpoints", {"candidate_id": 1, "channel": "email"}),
    ):
        r = client.request(method, path, json=body, headers=bad)
        assert r.status_code == 401, (method, path, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
    # A good token with the same bad input: the input's error.
    r = client.post("/touchpoints", json={"candidate_id": "x"}, headers=world.member.headers)
    assert r.status_code == 422


def test_users_lists_only_my_team(client: httpx.Client, world: World) -> None:
    r = client.get("/users", headers=world.member.headers)
    assert r.status_code == 200
    assert {u["id"] for u in r.json()} == {world.admin.id, world.member.id}


def test_only_an_admin_changes_team_settings(client: httpx.Client, world: World) -> None:
    change = {"time_zone": "Europe/Paris", "reengage_after_days": 30}
    r = client.patch("/team", json=change, headers=world.member.headers)
    assert r.status_code == 403
    r = client.patch("/team", json=change, headers=world.admin.headers)
    assert r.status_code == 200
    assert r.json()["time_zone"] == "Europe/Paris"
    assert client.get("/team", headers=world.member.headers).json()["reengage_after_days"] == 30


def test_team_settings_reject_an_unknown_time_zone(client: httpx.Client, world: World) -> None:
    r = client.patch("/team", json={"time_zone": "Mars/Olympus"}, headers=world.admin.headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "time_zone"


def test_a_revoked_token_stops_working(client: httpx.Client, world: World) -> None:
    created = client.post("/tokens", json={"label": "ci"}, headers=world.member.headers)
    assert created.status_code == 201
    token = created.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/me", headers=auth).status_code == 200
    token_id = created.json()["id"]
    assert client.delete(f"/tokens/{token_id}", headers=world.member.headers).status_code == 204
    assert client.get("/me", headers=auth).status_code == 401
