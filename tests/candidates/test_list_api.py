"""Listing candidates: search, the project filter and pagination."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reachout.db import Database
from tests.candidates.helpers import create
from tests.factories import World, make_candidate, make_project
from tests.problems import assert_problem


def test_search_matches_name_email_company_and_title_ignoring_case(
    client: httpx.Client, world: World
) -> None:
    by_name = create(client, world.member, name="Ada Lovelace")
    by_email = create(client, world.member, name="A", emails=["x@example.org", "ADA@math.example"])
    by_company = create(client, world.member, name="B", company="Adams & Co")
    by_title = create(client, world.member, name="C", title="Head of Canada")
    create(client, world.member, name="Grace Hopper", company="Navy", title="Admiral")
    create(client, world.outsider, name="Ada Elsewhere")

    def search(q: str) -> list[int]:
        r = client.get("/candidates", params={"q": q}, headers=world.member.headers)
        assert r.status_code == 200
        return [c["id"] for c in r.json()["items"]]

    assert search("ada") == [by_name["id"], by_email["id"], by_company["id"], by_title["id"]]
    assert search("LOVELACE") == [by_name["id"]]
    assert search("math.example") == [by_email["id"]]
    assert search("nobody") == []


def test_search_takes_percent_and_underscore_literally(client: httpx.Client, world: World) -> None:
    percent = create(client, world.member, name="100% Remote")
    underscore = create(client, world.member, name="snake_case")
    create(client, world.member, name="snakeXcase 1000")

    def search(q: str) -> list[int]:
        r = client.get("/candidates", params={"q": q}, headers=world.member.headers)
        return [c["id"] for c in r.json()["items"]]

    assert search("0%") == [percent["id"]]
    assert search("e_c") == [underscore["id"]]
    assert search("%") == [percent["id"]]
    assert search("\\") == []


def test_the_project_filter_lists_its_live_candidates(
    client: httpx.Client, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        inside = make_candidate(s, team=world.team, name="Inside Ada")
        also = make_candidate(s, team=world.team, name="Also inside")
        make_candidate(s, team=world.team, name="Outside Ada")
        project = make_project(s, team=world.team, candidates=[inside, also])
        theirs = make_project(s, team=world.other_team)
    headers = world.member.headers
    r = client.get("/candidates", params={"project_id": project.id}, headers=headers)
    assert [c["id"] for c in r.json()["items"]] == [inside.id, also.id]
    assert r.json()["items"][0]["project_ids"] == [project.id]
    r = client.get("/candidates", params={"project_id": project.id, "q": "ada"}, headers=headers)
    assert [c["id"] for c in r.json()["items"]] == [inside.id]
    assert client.delete(f"/candidates/{also.id}", headers=headers).status_code == 204
    r = client.get("/candidates", params={"project_id": project.id}, headers=headers)
    assert [c["id"] for c in r.json()["items"]] == [inside.id]
    for project_id in (theirs.id, theirs.id + 1000, 2**70):
        r = client.get("/candidates", params={"project_id": project_id}, headers=headers)
        assert_problem(r, 422, "project_id")


def test_pagination_walks_every_candidate_exactly_once(
    client: httpx.Client, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        ids = [make_candidate(s, team=world.team).id for _ in range(7)]
        make_candidate(s, team=world.other_team)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        r = client.get("/candidates", params=params, headers=world.member.headers)
        assert r.status_code == 200
        page = r.json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    assert pages == 3
    default = client.get("/candidates", headers=world.member.headers).json()
    assert [c["id"] for c in default["items"]] == ids and default["next_cursor"] is None


@pytest.mark.parametrize(
    "params, field",
    [
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"q": "x" * 201}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"project_id": "one"}, "project_id"),
    ],
)
def test_bad_list_parameters_are_422_naming_them(
    client: httpx.Client, world: World, params: dict[str, Any], field: str
) -> None:
    r = client.get("/candidates", params=params, headers=world.member.headers)
    assert_problem(r, 422, field)
