from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select

from reachout.db import Database
from reachout.models import AuditEvent, Candidate, ProjectCandidate
from tests.factories import Actor, World, make_candidate, make_project
from tests.problems import assert_problem


def create(client: httpx.Client, actor: Actor, **body: Any) -> dict[str, Any]:
    r = client.post("/projects", json={"name": "Backend hires", **body}, headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def add(client: httpx.Client, actor: Actor, project_id: int, ids: list[int]) -> httpx.Response:
    return client.post(
        f"/projects/{project_id}/candidates", json={"candidate_ids": ids}, headers=actor.headers
    )


def remove(client: httpx.Client, actor: Actor, project_id: int, ids: list[int]) -> httpx.Response:
    return client.request(
        "DELETE",
        f"/projects/{project_id}/candidates",
        json={"candidate_ids": ids},
        headers=actor.headers,
    )


def members(client: httpx.Client, actor: Actor, project_id: int) -> list[int]:
    r = client.get(f"/projects/{project_id}/candidates", headers=actor.headers)
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


def test_create_read_and_update_a_project(client: httpx.Client, world: World) -> None:
    r = client.post(
        "/projects",
        json={"name": " Backend hires ", "description": "Q3 roles"},
        headers=world.member.headers,
    )
    assert r.status_code == 201
    created = r.json()
    assert created["name"] == "Backend hires"
    assert created["description"] == "Q3 roles"
    assert created["candidate_count"] == 0
    assert created["created_by_id"] == world.member.id
    assert created["created_at"]
    url = f"/projects/{created['id']}"
    assert client.get(url, headers=world.admin.headers).json() == created
    r = client.patch(url, json={"description": None}, headers=world.admin.headers)
    assert r.status_code == 200
    assert (r.json()["name"], r.json()["description"]) == ("Backend hires", None)
    r = client.patch(url, json={"name": "Platform hires"}, headers=world.admin.headers)
    assert r.json()["name"] == "Platform hires"
    assert client.get(url, headers=world.member.headers).json()["name"] == "Platform hires"


def test_project_names_are_unique_in_a_team(client: httpx.Client, world: World) -> None:
    first = create(client, world.member, name="Backend hires")
    second = create(client, world.member, name="Frontend hires")
    r = client.post("/projects", json={"name": "Backend hires"}, headers=world.admin.headers)
    assert assert_problem(r, 409)["existing_id"] == first["id"]
    r = client.patch(
        f"/projects/{second['id']}", json={"name": "Backend hires"}, headers=world.member.headers
    )
    assert assert_problem(r, 409)["existing_id"] == first["id"]
    # Renaming a project to its own name is no clash; another team may use the name.
    r = client.patch(
        f"/projects/{first['id']}", json={"name": "Backend hires"}, headers=world.member.headers
    )
    assert r.status_code == 200
    create(client, world.outsider, name="Backend hires")


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "P", "owner": 1}, "owner"),
        ({"name": "P", "description": "d" * 10_001}, "description"),
        ({"name": "P", "description": "a\x00b"}, "description"),
    ],
)
def test_a_bad_project_is_a_422_naming_the_field(
    client: httpx.Client, world: World, body: dict[str, Any], field: str
) -> None:
    assert_problem(client.post("/projects", json=body, headers=world.member.headers), 422, field)
    assert client.get("/projects", headers=world.member.headers).json()["items"] == []


def test_a_project_cannot_lose_its_name(client: httpx.Client, world: World) -> None:
    project = create(client, world.member)
    r = client.patch(f"/projects/{project['id']}", json={"name": None}, headers=world.admin.headers)
    assert_problem(r, 422, "name")


def test_projects_are_listed_a_page_at_a_time(
    client: httpx.Client, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        ids = [make_project(s, team=world.team).id for _ in range(5)]
        make_project(s, team=world.other_team)
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = client.get("/projects", params=params, headers=world.member.headers).json()
        seen += [p["id"] for p in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == ids
    assert_problem(
        client.get("/projects", params={"limit": 501}, headers=world.member.headers), 422, "limit"
    )


def test_adding_candidates_counts_each_once(
    client: httpx.Client, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        a, b, c = (make_candidate(s, team=world.team).id for _ in range(3))
    project = create(client, world.member)
    pid = project["id"]
    r = add(client, world.member, pid, [b, a, b])
    assert r.status_code == 200
    assert r.json() == {"added": 2, "candidate_count": 2}
    r = add(client, world.admin, pid, [a, c])
    assert r.json() == {"added": 1, "candidate_count": 3}
    assert members(client, world.member, pid) == [a, b, c]
    assert (
        client.get(f"/projects/{pid}", headers=world.member.headers).json()["candidate_count"] == 3
    )
    other = create(client, world.member, name="Other")
    add(client, world.member, other["id"], [a])
    candidate = client.get(f"/candidates/{a}", headers=world.member.headers).json()
    assert candidate["project_ids"] == [pid, other["id"]]


def test_an_id_that_is_not_a_live_candidate_of_mine_adds_nothing(
    client: httpx.Client, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        mine = make_candidate(s, team=world.team).id
        deleted = make_candidate(s, team=world.team).id
        theirs = make_candidate(s, team=world.other_team).id
    assert client.delete(f"/candidates/{deleted}", headers=world.member.headers).status_code == 204
    pid = create(client, world.member)["id"]
    unknown = theirs + 1000
    r = add(client, world.member, pid, [mine, theirs, unknown, deleted, theirs])
    body = assert_problem(r, 422)
    assert body["errors"] == [
        {"id": i, "message": "no such candidate"} for i in sorted([theirs, unknown, deleted])
    ]
    assert str(unknown) in body["detail"]
    assert members(client, world.member, pid) == []
    assert (
        client.get(f"/projects/{pid}", headers=world.member.headers).json()["candidate_count"] == 0
    )


def test_removing_candidates(client: httpx.Client, world: World, db: Database) -> None:
    with db.unit_of_work() as s:
        a, b, c = (make_candidate(s, team=world.team) for _ in range(3))
        theirs = make_candidate(s, team=world.other_team).id
        pid = make_project(s, team=world.team, candidates=[a, b]).id
    r = remove(client, world.member, pid, [a.id, c.id, a.id])
    assert r.status_code == 200
    assert r.json() == {"removed": 1, "candidate_count": 1}
    r = remove(client, world.member, pid, [b.id, theirs])
    body = assert_problem(r, 422)
    assert body["errors"] == [{"id": theirs, "message": "no such candidate"}]
    assert members(client, world.member, pid) == [b.id]
    # The candidate stays in the team.
    assert client.get(f"/candidates/{a.id}", headers=world.member.headers).status_code == 200


def test_membership_changes_are_audited(client: httpx.Client, world: World, db: Database) -> None:
    with db.unit_of_work() as s:
        a, b = (make_candidate(s, team=world.team).id for _ in range(2))
    pid = create(client, world.member)["id"]
    add(client, world.member, pid, [b, a])
    remove(client, world.admin, pid, [a])
    with db.unit_of_work() as s:
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "project", AuditEvent.entity_id == pid)
            .order_by(AuditEvent.id)
        ).all()
        seen = [(e.action, e.actor_id, e.before, e.after) for e in events]
    assert [action for action, *_ in seen] == ["create", "add_candidates", "remove_candidates"]
    assert seen[1][1:] == (world.member.id, None, {"candidate_ids": [a, b], "added": 2})
    assert seen[2][1:] == (world.admin.id, {"candidate_ids": [a], "removed": 1}, None)


def test_a_deleted_candidate_leaves_the_projects_count_and_list(
    client: httpx.Client, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        a, b = (make_candidate(s, team=world.team) for _ in range(2))
        pid = make_project(s, team=world.team, candidates=[a, b]).id
    assert client.delete(f"/candidates/{a.id}", headers=world.member.headers).status_code == 204
    assert members(client, world.member, pid) == [b.id]
    listed = client.get("/projects", headers=world.member.headers).json()["items"]
    assert [(p["id"], p["candidate_count"]) for p in listed] == [(pid, 1)]


def test_a_large_list_is_added_in_one_request(
    client: httpx.Client, world: World, db: Database
) -> None:
    n = 20_000
    with db.unit_of_work() as s:
        s.execute(
            insert(Candidate), [{"team_id": world.team.id, "name": f"C{i}"} for i in range(n)]
        )
        ids = list(s.scalars(select(Candidate.id).where(Candidate.team_id == world.team.id)))
        pid = make_project(s, team=world.team).id
    r = add(client, world.member, pid, [*ids, ids[0], max(ids) + 1])
    assert assert_problem(r, 422)["errors"] == [
        {"id": max(ids) + 1, "message": "no such candidate"}
    ]
    r = add(client, world.member, pid, [*ids, ids[0]])
    assert r.json() == {"added": n, "candidate_count": n}
    with db.unit_of_work() as s:
        stored = s.scalars(
            select(ProjectCandidate.candidate_id).where(ProjectCandidate.project_id == pid)
        ).all()
    assert sorted(stored) == sorted(ids)
    r = remove(client, world.member, pid, ids[: n // 2])
    assert r.json() == {"removed": n // 2, "candidate_count": n - n // 2}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"candidate_ids": []}, "candidate_ids"),
        ({}, "candidate_ids"),
        ({"candidate_ids": ["one"]}, "candidate_ids.0"),
        ({"candidate_ids": [1, 0]}, "candidate_ids.1"),
        ({"candidate_ids": [2**70]}, "candidate_ids.0"),
        ({"candidate_ids": [1], "all": True}, "all"),
        ({"candidate_ids": list(range(1, 50_002))}, "candidate_ids"),
    ],
)
def test_a_bad_membership_body_is_422(
    client: httpx.Client, world: World, body: dict[str, Any], field: str
) -> None:
    pid = create(client, world.member)["id"]
    url = f"/projects/{pid}/candidates"
    for method in ("POST", "DELETE"):
        r = client.request(method, url, json=body, headers=world.member.headers)
        assert_problem(r, 422, field)


def test_another_teams_project_is_answered_as_a_missing_one(
    client: httpx.Client, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        mine = make_candidate(s, team=world.team).id
        theirs = make_project(
            s, team=world.other_team, candidates=[make_candidate(s, team=world.other_team)]
        )
    for project_id in (theirs.id, theirs.id + 1000, 2**70):
        base = f"/projects/{project_id}"
        calls: list[tuple[str, str, dict[str, Any]]] = [
            ("GET", base, {}),
            ("PATCH", base, {"json": {"name": "Mine now"}}),
            ("GET", base + "/candidates", {}),
            ("POST", base + "/candidates", {"json": {"candidate_ids": [mine]}}),
            ("DELETE", base + "/candidates", {"json": {"candidate_ids": [mine]}}),
        ]
        for method, url, kwargs in calls:
            r = client.request(method, url, headers=world.member.headers, **kwargs)
            assert assert_problem(r, 404)["detail"] == f"project {project_id} not found"
    r = client.get(f"/projects/{theirs.id}", headers=world.outsider.headers)
    assert (r.json()["name"], r.json()["candidate_count"]) == (theirs.name, 1)
