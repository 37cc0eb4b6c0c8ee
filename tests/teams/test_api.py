"""Team settings over real HTTP: what PATCH /team refuses, and how."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from reachout.db import Database
from reachout.models import AuditEvent
from reachout.sequences.schedule import DAY_NAMES
from reachout.teams.schemas import WEEKDAYS
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
    # Nothing of the problem names the other team's id (its request id is a random hex string
    # that may hold any digit, so it is left out; the name is the one it was sent).
    told = {k: v for k, v in problem.items() if k != "request_id"}
    assert str(world.other_team.id) not in str(told).replace(taken, "")
    same = client.patch("/team", json={"name": world.team.name}, headers=world.admin.headers)
    assert same.status_code == 200


# --- sending hours, holidays and the daily cap (SPEC §9) -------------------------------------

DEFAULT_HOURS = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "18:00"}


def test_a_new_team_sends_on_weekdays_from_8_to_18_up_to_200_a_day(
    client: httpx.Client, world: World
) -> None:
    team = client.get("/team", headers=world.member.headers).json()
    assert team["sending_hours"] == DEFAULT_HOURS
    assert (team["holidays"], team["daily_send_cap"]) == ([], 200)


def test_an_admin_replaces_each_sending_setting_given_whole(
    client: httpx.Client, world: World, db: Database
) -> None:
    hours = {"days": ["sat", "mon", "mon"], "start": "09:30", "end": "24:00"}
    holidays = ["2026-12-25", "2026-01-01", "2026-12-25"]
    body = {"sending_hours": hours, "holidays": holidays, "daily_send_cap": 50}
    r = client.patch("/team", json=body, headers=world.admin.headers)
    assert r.status_code == 200, r.text
    # Days in week order and holidays in date order, each once.
    expected = {"days": ["mon", "sat"], "start": "09:30", "end": "24:00"}
    assert r.json()["sending_hours"] == expected
    assert r.json()["holidays"] == ["2026-01-01", "2026-12-25"]
    assert r.json()["daily_send_cap"] == 50
    assert client.get("/team", headers=world.admin.headers).json() == r.json()

    # A field left out is kept; a field given replaces the old value whole.
    r = client.patch("/team", json={"holidays": ["2027-01-01"]}, headers=world.admin.headers)
    assert r.json()["holidays"] == ["2027-01-01"]
    assert (r.json()["sending_hours"], r.json()["daily_send_cap"]) == (expected, 50)
    r = client.patch("/team", json={"holidays": []}, headers=world.admin.headers)
    assert r.json()["holidays"] == []

    # The audit log has the team before and after, holidays as a list.
    with db.unit_of_work() as s:
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "team", AuditEvent.entity_id == world.team.id)
            .order_by(AuditEvent.id)
        ).all()
        first, second, _ = events
        assert first.before is not None and first.after is not None
        assert (first.before["holidays"], first.after["holidays"]) == ([], holidays[1::-1])
        assert (first.before["sending_days"], first.after["sending_days"]) == (
            "mon,tue,wed,thu,fri",
            "mon,sat",
        )
        assert second.before is not None and second.before["holidays"] == holidays[1::-1]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sending_hours": {**DEFAULT_HOURS, "days": []}}, "sending_hours.days"),
        ({"sending_hours": {**DEFAULT_HOURS, "days": ["mon", "funday"]}}, "sending_hours.days.1"),
        ({"sending_hours": {**DEFAULT_HOURS, "days": "mon"}}, "sending_hours.days"),
        ({"sending_hours": {**DEFAULT_HOURS, "start": "8:00"}}, "sending_hours.start"),
        ({"sending_hours": {**DEFAULT_HOURS, "start": "24:00"}}, "sending_hours.start"),
        ({"sending_hours": {**DEFAULT_HOURS, "end": "24:01"}}, "sending_hours.end"),
        ({"sending_hours": {**DEFAULT_HOURS, "end": "18:60"}}, "sending_hours.end"),
        ({"sending_hours": {**DEFAULT_HOURS, "end": "1\u0668:00"}}, "sending_hours.end"),
        ({"sending_hours": {**DEFAULT_HOURS, "start": "18:00"}}, "sending_hours"),
        ({"sending_hours": {**DEFAULT_HOURS, "end": "07:59"}}, "sending_hours"),
        ({"sending_hours": {"days": ["mon"], "start": "08:00"}}, "sending_hours.end"),
        ({"sending_hours": {**DEFAULT_HOURS, "zone": "UTC"}}, "sending_hours.zone"),
        ({"sending_hours": None}, "sending_hours"),
        ({"holidays": ["2026-02-30"]}, "holidays.0"),
        ({"holidays": ["2026-12-25", "25/12/2026"]}, "holidays.1"),
        ({"holidays": [20261225]}, "holidays.0"),
        ({"holidays": ["1899-12-31"]}, "holidays.0"),
        ({"holidays": ["2200-01-01"]}, "holidays.0"),
        ({"holidays": "2026-12-25"}, "holidays"),
        ({"holidays": None}, "holidays"),
        ({"daily_send_cap": 0}, "daily_send_cap"),
        ({"daily_send_cap": 10_001}, "daily_send_cap"),
        ({"daily_send_cap": "50"}, "daily_send_cap"),
        ({"daily_send_cap": 50.0}, "daily_send_cap"),
        ({"daily_send_cap": None}, "daily_send_cap"),
    ],
)
def test_bad_sending_settings_are_a_422_naming_the_field(
    client: httpx.Client, world: World, body: dict[str, Any], field: str
) -> None:
    r = client.patch("/team", json=body, headers=world.admin.headers)
    assert_problem(r, 422, field)
    team = client.get("/team", headers=world.admin.headers).json()
    assert (team["sending_hours"], team["holidays"], team["daily_send_cap"]) == (
        DEFAULT_HOURS,
        [],
        200,
    )


def test_at_most_366_holidays_and_the_bounds_are_inclusive(
    client: httpx.Client, world: World
) -> None:
    first = date(2027, 1, 1)
    year = [(first + timedelta(days=n)).isoformat() for n in range(366)]
    r = client.patch("/team", json={"holidays": year}, headers=world.admin.headers)
    assert r.status_code == 200, r.text
    assert len(r.json()["holidays"]) == 366
    # The same days twice are still 366 days.
    r = client.patch("/team", json={"holidays": year + year}, headers=world.admin.headers)
    assert r.status_code == 200, r.text
    more = [*year, "2030-01-01"]
    assert_problem(
        client.patch("/team", json={"holidays": more}, headers=world.admin.headers), 422, "holidays"
    )
    edges = {"holidays": ["1900-01-01", "2199-12-31"], "daily_send_cap": 10_000}
    r = client.patch("/team", json=edges, headers=world.admin.headers)
    assert r.status_code == 200, r.text
    hours = {"days": ["sun"], "start": "00:00", "end": "00:01"}
    r = client.patch("/team", json={"sending_hours": hours}, headers=world.admin.headers)
    assert r.json()["sending_hours"] == hours


def test_only_an_admin_changes_the_sending_settings(client: httpx.Client, world: World) -> None:
    r = client.patch("/team", json={"daily_send_cap": 5}, headers=world.member.headers)
    assert_problem(r, 403)
    assert client.get("/team", headers=world.member.headers).json()["daily_send_cap"] == 200


def test_the_days_are_the_ones_the_sender_reads() -> None:
    assert tuple(WEEKDAYS) == DAY_NAMES
