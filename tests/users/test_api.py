from __future__ import annotations

import httpx

from reachout.db import Database
from reachout.models import User
from reachout.users.service import create_token, revoke_token
from tests.factories import Actor, World, make_candidate, make_user
from tests.problems import assert_problem


def test_me_answers_the_token_owner_and_their_team(client: httpx.Client, world: World) -> None:
    r = client.get("/me", headers=world.member.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == world.member.id
    assert body["role"] == "member"
    assert body["team"] == {"id": world.team.id, "name": world.team.name, "time_zone": "UTC"}


def test_no_token_or_a_bad_one_is_401_problem(client: httpx.Client, world: World) -> None:
    for headers in ({}, {"Authorization": "Bearer ro_not-a-token"}, {"Authorization": "Basic x"}):
        assert_problem(client.get("/me", headers=headers), 401)


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


def test_a_refused_token_claims_no_idempotency_key(
    client: httpx.Client, db: Database, world: World
) -> None:
    """The token's check and the key's claim are one statement on PostgreSQL: a token refused
    (unknown, revoked, or of a deactivated user) must leave the key free for its owner."""
    with db.unit_of_work() as s:
        candidate_id = make_candidate(s, team=world.team).id
        member = s.get_one(User, world.member.id)
        revoked, revoked_secret = create_token(s, user=member, label="old")
        revoke_token(s, user=member, token_id=revoked.id)
        leaver = make_user(s, team=member.team)
        leaver_secret = create_token(s, user=leaver)[1]
        leaver.is_active = False
    body = {"candidate_id": candidate_id, "channel": "email"}
    key = {"Idempotency-Key": "k-refused"}
    for secret in ("ro_not-a-token", revoked_secret, leaver_secret):
        headers = {"Authorization": f"Bearer {secret}", **key}
        assert client.post("/touchpoints", json=body, headers=headers).status_code == 401
    with db.unit_of_work() as s:
        s.get_one(User, leaver.id).is_active = True
    back = {"Authorization": f"Bearer {leaver_secret}", **key}
    assert "Idempotent-Replayed" not in client.post("/touchpoints", json=body, headers=back).headers
    # A key too long to claim, with a bad token: the token's 401 comes first.
    too_long = {"Authorization": "Bearer ro_not-a-token", "Idempotency-Key": "k" * 300}
    assert client.post("/touchpoints", json=body, headers=too_long).status_code == 401
    first = client.post("/touchpoints", json=body, headers={**world.member.headers, **key})
    assert first.status_code == 201, first.text
    again = client.post("/touchpoints", json=body, headers={**world.member.headers, **key})
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_users_lists_only_my_team(client: httpx.Client, world: World) -> None:
    r = client.get("/users", headers=world.member.headers)
    assert r.status_code == 200
    assert r.json()["next_cursor"] is None
    assert {u["id"] for u in r.json()["items"]} == {world.admin.id, world.member.id}


def walk(client: httpx.Client, path: str, actor: Actor, *, limit: int) -> list[list[int]]:
    """The ids of each page of a list, following `next_cursor` to the end."""
    pages, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        r = client.get(path, params=params, headers=actor.headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body.keys() == {"items", "next_cursor"}
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_users_and_tokens_are_cursor_pages_like_every_list(
    client: httpx.Client, db: Database, world: World
) -> None:
    with db.unit_of_work() as s:
        member = s.get_one(User, world.member.id)
        added = [make_user(s, team=member.team).id for _ in range(3)]
        tokens = [create_token(s, user=member, label=f"t{n}")[0].id for n in range(4)]
    users = [world.admin.id, world.member.id, *added]
    assert walk(client, "/users", world.member, limit=2) == [users[:2], users[2:4], users[4:]]
    mine = walk(client, "/tokens", world.member, limit=2)
    assert [i for page in mine for i in page][-4:] == tokens and len(mine) == 3
    for path in ("/users", "/tokens"):
        for bad in ({"limit": 0}, {"limit": 501}, {"cursor": "not-a-cursor"}):
            r = client.get(path, params=bad, headers=world.member.headers)
            assert_problem(r, 422, next(iter(bad)))


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
