"""Bad stats parameters answer 422 problem+json naming the parameter, never a 500."""

from __future__ import annotations

import httpx
import pytest

from reachout.db import Database
from tests.problems import assert_problem
from tests.stats.helpers import StatsTeam, make_stats_team

URL = "/stats/outreach"


@pytest.fixture
def team(db: Database) -> StatsTeam:
    return make_stats_team(db, time_zone="Europe/Paris", candidates=1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"view": "weekly"}, "view"),
        ({"view": ""}, "view"),
        ({"group_by": "month"}, "group_by"),
        ({"group_by": "stage", "view": "activity"}, "group_by"),
        ({"channel": "pigeon"}, "channel"),
        ({"channel": "InMail"}, "channel"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "2026-1-5"}, "from"),
        ({"from": "1767225600"}, "from"),  # a Unix time is no date here
        ({"from": "2026-01-05T00:00:00"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "from"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "to"),
        ({"from": "9999-12-31"}, "from"),  # after today, the default `to`
        ({"from": "2020-01-01", "to": "2023-01-05"}, "from"),  # more than 3 years
        ({"from": "0001-01-01"}, "from"),
        ({"project_id": "abc"}, "project_id"),
        ({"project_id": "0"}, "project_id"),
        ({"project_id": "-3"}, "project_id"),
        ({"project_id": str(2**63)}, "project_id"),
        ({"project_id": "99999999"}, "project_id"),
        ({"user_id": "1.5"}, "user_id"),
        ({"user_id": "99999999"}, "user_id"),
        ({"sequence_id": "abc"}, "sequence_id"),
        ({"sequence_id": "0"}, "sequence_id"),
        ({"sequence_id": str(2**31)}, "sequence_id"),
        ({"group_by": "sequence-stage"}, "group_by"),
    ],
)
def test_bad_parameters_are_422_naming_them(
    client: httpx.Client, team: StatsTeam, params: dict[str, str], field: str
) -> None:
    assert_problem(client.get(URL, params=params, headers=team.ana.headers), 422, field)


def test_another_teams_project_or_user_is_answered_as_missing(
    client: httpx.Client, team: StatsTeam, db: Database
) -> None:
    theirs = make_stats_team(db, time_zone="UTC", candidates=1)
    for field, value in (("project_id", theirs.projects[0]), ("user_id", theirs.ben.id)):
        mine = assert_problem(
            client.get(URL, params={field: value}, headers=team.ana.headers), 422, field
        )
        missing = assert_problem(
            client.get(URL, params={field: 99999999}, headers=team.ana.headers), 422, field
        )
        assert mine["detail"] == missing["detail"].replace("99999999", str(value))


def test_three_years_are_fine_and_a_day_more_is_not(client: httpx.Client, team: StatsTeam) -> None:
    ok = client.get(
        URL, params={"from": "2020-01-01", "to": "2023-01-02"}, headers=team.ana.headers
    )
    assert ok.status_code == 200, ok.text  # 1,098 days
    too_long = {"from": "2020-01-01", "to": "2023-01-03"}
    assert_problem(client.get(URL, params=too_long, headers=team.ana.headers), 422, "from")


@pytest.mark.parametrize(
    "params",
    [
        # Blank values mean "not given", as a form sends them.
        {"project_id": "", "user_id": "", "channel": "", "group_by": "", "from": "", "to": ""},
        # The first and last days accepted (kit/time.py): the default 30 days before the first
        # start before it, and the week of the last ends after it.
        {"to": "1900-01-01"},
        {"from": "2199-12-31", "to": "2199-12-31", "group_by": "week"},
        {"from": "1900-01-01", "to": "1900-01-31", "group_by": "week"},
        {"unknown": "ignored"},
        # A sequence is not looked up: what an archived or deleted one made still counts, and
        # one that is no sequence of the team's counts nothing.
        {"sequence_id": "99999999", "group_by": "sequence_stage"},
        {"sequence_id": "", "group_by": "sequence"},
    ],
)
def test_edge_values_answer(client: httpx.Client, team: StatsTeam, params: dict[str, str]) -> None:
    r = client.get(URL, params=params, headers=team.ana.headers)
    assert r.status_code == 200, r.text
    assert r.json()["totals"]["contacted"] == 0


def test_a_token_is_needed(client: httpx.Client, team: StatsTeam) -> None:
    assert_problem(client.get(URL), 401)


def test_members_see_the_team_and_their_own(client: httpx.Client, team: StatsTeam) -> None:
    for user_id in (None, team.ben.id, team.ana.id):
        params = {"user_id": user_id} if user_id else {}
        r = client.get(URL, params=params, headers=team.ben.headers)
        assert r.status_code == 200, r.text


def test_the_openapi_document_describes_the_parameters(client: httpx.Client) -> None:
    doc = client.get(client.base_url.join("/api/openapi.json")).json()
    operation = doc["paths"]["/api/v1/stats/outreach"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {
        "view",
        "from",
        "to",
        "project_id",
        "user_id",
        "channel",
        "sequence_id",
        "group_by",
        "compare",
    }
