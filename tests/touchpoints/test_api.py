"""The touchpoint endpoints over real HTTP: validation, isolation, permissions, idempotency."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.problems import assert_problem
from tests.touchpoints.conftest import Setup


def post(client: httpx.Client, setup: Setup, body: dict[str, Any], **kw: Any) -> httpx.Response:
    headers = kw.pop("headers", setup.world.member.headers)
    return client.post("/touchpoints", json=body, headers=headers, **kw)


def test_log_an_inmail_and_a_reply(client: httpx.Client, setup: Setup) -> None:
    c = setup.candidate_id
    r = post(client, setup, {"candidate_id": c, "channel": "inmail", "note": "Hi there"})
    assert r.status_code == 201, r.text
    outreach = r.json()
    assert outreach["designation"] == "initial"
    assert outreach["designation_mode"] == "auto"
    assert outreach["kind"] == "outreach"
    assert outreach["user_id"] == setup.world.member.id
    assert outreach["created_by_id"] == setup.world.member.id
    assert outreach["source"] == "manual"
    reply = post(
        client,
        setup,
        {"candidate_id": c, "kind": "reply", "channel": "inmail", "reply_status": "interested"},
    )
    assert reply.status_code == 201
    assert reply.json()["designation"] is None
    assert reply.json()["reply_status"] == "interested"
    follow = post(client, setup, {"candidate_id": c, "channel": "text", "designation": "auto"})
    assert follow.json()["designation"] == "follow_up"
    listed = client.get(
        "/touchpoints", params={"candidate_id": c}, headers=setup.world.admin.headers
    )
    assert [t["id"] for t in listed.json()["items"]] == [
        outreach["id"],
        reply.json()["id"],
        follow.json()["id"],
    ]


def test_an_offset_free_timestamp_is_utc(client: httpx.Client, setup: Setup) -> None:
    body = {"candidate_id": setup.candidate_id, "channel": "call"}
    r = post(client, setup, {**body, "occurred_at": "2026-05-01T10:00:00"})
    assert r.json()["occurred_at"].startswith("2026-05-01T10:00:00")
    r = post(client, setup, {**body, "occurred_at": "2026-05-01T10:00:00+02:00"})
    got = client.get(f"/touchpoints/{r.json()['id']}", headers=setup.world.member.headers)
    assert got.json()["occurred_at"].startswith("2026-05-01T08:00:00")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "pigeon"}, "channel"),
        ({"kind": "wave"}, "kind"),
        ({"kind": "reply", "designation": "initial"}, "designation"),
        ({"reply_status": "interested"}, "reply_status"),
        ({"note": "x" * 10_001}, "note"),
        ({"occurred_at": "2026-13-45"}, "occurred_at"),
        ({"colour": "blue"}, "colour"),
        ({"candidate_id": 999_999_999}, "candidate_id"),
        ({"candidate_id": "abc"}, "candidate_id"),
        ({"project_id": 999_999_999}, "project_id"),
        ({"user_id": 999_999_999}, "user_id"),
        ({"designation": "maybe"}, "designation"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: httpx.Client, setup: Setup, change: dict[str, Any], field: str
) -> None:
    body = {"candidate_id": setup.candidate_id, "channel": "inmail", **change}
    assert_problem(post(client, setup, body), 422, field)


def test_a_note_of_10000_characters_is_fine(client: httpx.Client, setup: Setup) -> None:
    r = post(
        client, setup, {"candidate_id": setup.candidate_id, "channel": "call", "note": "x" * 10_000}
    )
    assert r.status_code == 201


def test_malformed_json_is_422_not_500(client: httpx.Client, setup: Setup) -> None:
    r = client.post(
        "/touchpoints",
        content=b'{"candidate_id": ',
        headers={**setup.world.member.headers, "content-type": "application/json"},
    )
    assert_problem(r, 422)


def test_another_teams_ids_answer_as_missing_ones(client: httpx.Client, setup: Setup) -> None:
    w = setup.world
    body = {"candidate_id": setup.other_candidate_id, "channel": "inmail"}
    foreign = assert_problem(post(client, setup, body), 422, "candidate_id")
    missing = assert_problem(
        post(client, setup, {**body, "candidate_id": 999_999_999}), 422, "candidate_id"
    )
    assert foreign["title"] == missing["title"]
    body = {"candidate_id": setup.candidate_id, "channel": "inmail"}
    assert_problem(
        post(client, setup, {**body, "project_id": setup.other_project_id}), 422, "project_id"
    )
    assert_problem(post(client, setup, {**body, "user_id": w.outsider.id}), 422, "user_id")
    # The other team's touchpoint, by path: 404, the same as an id that never existed.
    theirs = post(
        client,
        setup,
        {"candidate_id": setup.other_candidate_id, "channel": "call"},
        headers=w.outsider.headers,
    )
    assert theirs.status_code == 201
    tp = theirs.json()["id"]
    for method in ("GET", "PATCH", "DELETE"):
        kwargs: dict[str, Any] = {"json": {"note": "x"}} if method == "PATCH" else {}
        r = client.request(method, f"/touchpoints/{tp}", headers=w.member.headers, **kwargs)
        assert_problem(r, 404)
        gone = client.request(method, "/touchpoints/999999999", headers=w.member.headers, **kwargs)
        assert_problem(gone, 404)
    bulk = client.post(
        f"/projects/{setup.other_project_id}/touchpoints/bulk",
        json={"all": True, "channel": "text"},
        headers=w.member.headers,
    )
    assert_problem(bulk, 404)
    listed = client.get("/touchpoints", headers=w.member.headers).json()
    assert listed["items"] == []


def test_no_token_or_a_bad_token_is_401(client: httpx.Client, setup: Setup) -> None:
    body = {"candidate_id": setup.candidate_id, "channel": "inmail"}
    assert_problem(client.post("/touchpoints", json=body), 401)
    bad = {"Authorization": "Bearer ro_nope"}
    assert_problem(client.post("/touchpoints", json=body, headers=bad), 401)


def test_members_change_only_their_own_touchpoints(client: httpx.Client, setup: Setup) -> None:
    w = setup.world
    body = {"candidate_id": setup.candidate_id, "channel": "inmail"}
    by_admin = post(client, setup, body, headers=w.admin.headers).json()["id"]
    by_member = post(client, setup, body).json()["id"]
    assert_problem(client.delete(f"/touchpoints/{by_admin}", headers=w.member.headers), 403)
    assert_problem(
        client.patch(f"/touchpoints/{by_admin}", json={"note": "mine"}, headers=w.member.headers),
        403,
    )
    r = client.patch(f"/touchpoints/{by_member}", json={"note": "edited"}, headers=w.member.headers)
    assert r.status_code == 200 and r.json()["note"] == "edited"
    assert client.delete(f"/touchpoints/{by_member}", headers=w.admin.headers).status_code == 204
    assert client.get(f"/touchpoints/{by_member}", headers=w.member.headers).status_code == 404
    # The admin's own first outreach is now the only one, and still initial.
    assert (
        client.get(f"/touchpoints/{by_admin}", headers=w.admin.headers).json()["designation"]
        == "initial"
    )


def test_patch_rejects_kind_mismatches(client: httpx.Client, setup: Setup) -> None:
    body = {"candidate_id": setup.candidate_id, "channel": "inmail"}
    outreach = post(client, setup, body).json()["id"]
    reply = post(client, setup, {**body, "kind": "reply"}).json()["id"]
    h = setup.world.member.headers
    assert_problem(
        client.patch(f"/touchpoints/{outreach}", json={"reply_status": "later"}, headers=h),
        422,
        "reply_status",
    )
    assert_problem(
        client.patch(f"/touchpoints/{reply}", json={"designation": "initial"}, headers=h),
        422,
        "designation",
    )
    assert_problem(
        client.patch(f"/touchpoints/{reply}", json={"kind": "outreach"}, headers=h), 422, "kind"
    )
    r = client.patch(f"/touchpoints/{outreach}", json={"designation": "follow_up"}, headers=h)
    assert r.json()["designation"] == "follow_up" and r.json()["designation_mode"] == "explicit"


def test_idempotency_key_replays_the_first_answer(client: httpx.Client, setup: Setup) -> None:
    body = {"candidate_id": setup.candidate_id, "channel": "inmail", "note": "once"}
    headers = {**setup.world.member.headers, "Idempotency-Key": "abc-123"}
    first = post(client, setup, body, headers=headers)
    second = post(client, setup, body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    listed = client.get(
        "/touchpoints", params={"candidate_id": setup.candidate_id}, headers=headers
    )
    assert len(listed.json()["items"]) == 1
    different = post(client, setup, {**body, "note": "twice"}, headers=headers)
    assert_problem(different, 422, "Idempotency-Key")
    # Keys belong to their user: another member may use the same one.
    admin_headers = {**setup.world.admin.headers, "Idempotency-Key": "abc-123"}
    assert post(client, setup, body, headers=admin_headers).json()["id"] != first.json()["id"]


def test_ids_too_large_for_a_database_are_missing_not_errors(
    client: httpx.Client, setup: Setup
) -> None:
    huge = 2**70
    h = setup.world.member.headers
    assert_problem(client.get(f"/touchpoints/{huge}", headers=h), 404)
    assert_problem(client.delete(f"/batches/{huge}", headers=h), 404)
    assert_problem(
        post(client, setup, {"candidate_id": huge, "channel": "call"}), 422, "candidate_id"
    )
    body = {"candidate_id": setup.candidate_id, "channel": "call", "user_id": huge}
    assert_problem(post(client, setup, body), 422, "user_id")
    r = client.post(
        f"/projects/{setup.project_id}/touchpoints/bulk",
        json={"candidate_ids": [huge], "channel": "text"},
        headers=h,
    )
    assert_problem(r, 422, "candidate_ids.0")
    assert_problem(
        client.get(
            "/touchpoints",
            params={"cursor": "eyJhZnRlciI6IDEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwfQ"},
            headers=h,
        ),
        422,
        "cursor",
    )


def test_a_nul_character_in_a_note_is_422(client: httpx.Client, setup: Setup) -> None:
    body = {"candidate_id": setup.candidate_id, "channel": "call", "note": "a\x00b"}
    assert_problem(post(client, setup, body), 422, "note")


def test_idempotency_key_on_candidates_and_json_key_order(
    client: httpx.Client, setup: Setup
) -> None:
    headers = {
        **setup.world.member.headers,
        "Idempotency-Key": "cand-1",
        "content-type": "application/json",
    }
    first = client.post(
        "/candidates", content=b'{"name": "Ada", "emails": ["ada@example.org"]}', headers=headers
    )
    again = client.post(
        "/candidates", content=b'{"emails":["ada@example.org"],"name":"Ada"}', headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers.get("idempotent-replayed") == "true"


@pytest.mark.parametrize("candidate_id", [True, "ID", 1.0])
def test_ids_in_a_body_are_json_integers(
    client: httpx.Client, setup: Setup, candidate_id: Any
) -> None:
    """`{"candidate_id": true}` used to log on candidate 1, and `"5"` on candidate 5."""
    if candidate_id == "ID":
        candidate_id = str(setup.candidate_id)
    r = post(client, setup, {"candidate_id": candidate_id, "channel": "call"})
    assert_problem(r, 422, "candidate_id")
    listed = client.get("/touchpoints", headers=setup.world.member.headers)
    assert listed.json()["items"] == []
    for body in (
        {"candidate_id": setup.candidate_id, "channel": "call", "project_id": True},
        {"candidate_id": setup.candidate_id, "channel": "call", "user_id": "1"},
    ):
        assert post(client, setup, body).status_code == 422
    bulk = client.post(
        f"/projects/{setup.project_id}/touchpoints/bulk",
        json={"candidate_ids": [str(i) for i in setup.project_candidate_ids], "channel": "text"},
        headers=setup.world.member.headers,
    )
    assert_problem(bulk, 422)
    # Query strings are text by nature: an id there is still read from its digits.
    r = client.get(
        "/touchpoints",
        params={"candidate_id": str(setup.candidate_id)},
        headers=setup.world.member.headers,
    )
    assert r.status_code == 200
