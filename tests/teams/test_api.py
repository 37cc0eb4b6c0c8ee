"""Team settings over real HTTP: what PATCH /team refuses, and how."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import World
from tests.problems import assert_problem


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "Mars/Olympus", "utc"])
def test_only_iana_time_zones_are_accepted(client: httpx.Client, world: World, zone: str) -> None:
    """`localtime` follows each host's clock, and "Factory" is no place (both were a 200)."""
    r = client.patch("/team", json={"time_zone": zone}, headers=world.admin.headers)
    assert_problem(r, 422, "time_zone")
    assert client.get("/team", headers=world.admin.headers).json()["time_zone"] == "UTC"


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/UTC"])
def test_iana_time_zones_are_accepted(client: httpx.Client, world: World, zone: str) -> None:
    r = client.patch("/team", json={"time_zone": zone}, headers=world.admin.headers)
    assert r.status_code == 200, r.text
    assert r.json()["time_zone"] == zone


@pytest.mark.parametrize("days", [True, "30", 30.0, "1e1"])
def test_reengage_after_days_is_a_json_integer(
    client: httpx.Client, world: World, days: Any
) -> None:
    """`true` used to become 1 and `"30"` 30."""
    r = client.patch("/team", json={"reengage_after_days": days}, headers=world.admin.headers)
    assert_problem(r, 422, "reengage_after_days")
    assert client.get("/team", headers=world.admin.headers).json()["reengage_after_days"] is None


def test_a_rename_to_a_taken_name_says_so_without_naming_the_other_team(
    client: httpx.Client, world: World
) -> None:
    taken = world.other_team.name
    r = client.patch("/team", json={"name": taken}, headers=world.admin.headers)
    problem = assert_problem(r, 409)
    assert "retry" not in problem["detail"]
    assert "existing_id" not in problem
    assert str(world.other_team.id) not in r.text.replace(taken, "")  # the name it was sent
    same = client.patch("/team", json={"name": world.team.name}, headers=world.admin.headers)
    assert same.status_code == 200
