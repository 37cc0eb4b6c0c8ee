"""`compare=previous`: the totals of the period of the same length just before, same filters.

The team is in Europe/Paris (UTC+1 in February and March 2026). The period asked for is
Mon 2 .. Sun 15 Mar 2026 (14 days), so the previous one is Mon 16 Feb .. Sun 1 Mar. Times
below are UTC.

  c0  16 Feb 09:00  email initial, by Ana     previous period (its first day)
      17 Feb 09:00  reply interested           previous period
  c1  28 Feb 23:30  call initial, by Ben      = 1 Mar 00:30 in Paris: previous (its last day)
  c2   1 Mar 23:30  text initial, by Ana      = 2 Mar 00:30 in Paris: the period itself
      3 Mar 10:00   reply later
  c3  15 Feb 22:30  inmail initial, by Ana    = 15 Feb 23:30 in Paris: before both
"""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from reachout.db import Database
from reachout.stats.service import previous_period
from tests.problems import assert_problem
from tests.stats.helpers import StatsTeam, get_stats, log, make_stats_team

PERIOD = {"from_": "2026-03-02", "to": "2026-03-15"}


@pytest.fixture
def team(client: httpx.Client, db: Database) -> StatsTeam:
    team = make_stats_team(db, time_zone="Europe/Paris", candidates=4)
    ana, ben = team.ana, team.ben
    c0, c1, c2, c3 = team.candidates
    log(client, ana, c0, "2026-02-16 09:00", channel="email")
    log(client, ana, c0, "2026-02-17 09:00", channel="email", kind="reply", status="interested")
    log(client, ben, c1, "2026-02-28 23:30", channel="call")
    log(client, ana, c2, "2026-03-01 23:30", channel="text")
    log(client, ana, c2, "2026-03-03 10:00", channel="text", kind="reply", status="later")
    log(client, ana, c3, "2026-02-15 22:30", channel="inmail")
    return team


@pytest.mark.parametrize(
    ("first", "last", "before"),
    [
        (date(2026, 3, 2), date(2026, 3, 15), (date(2026, 2, 16), date(2026, 3, 1))),
        (date(2026, 3, 1), date(2026, 3, 31), (date(2026, 1, 29), date(2026, 2, 28))),
        (date(2024, 3, 1), date(2024, 3, 1), (date(2024, 2, 29), date(2024, 2, 29))),
        (date(2027, 1, 1), date(2027, 12, 31), (date(2026, 1, 1), date(2026, 12, 31))),
    ],
)
def test_the_previous_period_has_the_same_length_and_ends_the_day_before(
    first: date, last: date, before: tuple[date, date]
) -> None:
    assert previous_period(first, last) == before
    assert (before[1] - before[0]) == (last - first)


def test_cohort_totals_of_the_previous_period(client: httpx.Client, team: StatsTeam) -> None:
    answer = get_stats(client, team.ana, compare="previous", **PERIOD)
    assert answer["totals"]["contacted"] == 1  # c2
    previous = answer["previous"]
    assert (previous["from"], previous["to"]) == ("2026-02-16", "2026-03-01")
    assert previous["totals"]["contacted"] == 2  # c0, c1
    assert previous["totals"]["replied"] == 1
    assert previous["totals"]["reply_rate"] == 0.5
    # The same numbers as asking for that period itself.
    plain = get_stats(client, team.ana, from_="2026-02-16", to="2026-03-01")
    assert previous["totals"] == plain["totals"]


def test_activity_totals_and_filters_carry_over(client: httpx.Client, team: StatsTeam) -> None:
    activity = get_stats(client, team.ana, view="activity", compare="previous", **PERIOD)
    assert activity["previous"]["totals"]["outreach"] == 2
    assert activity["previous"]["totals"]["replies"] == 1
    bens = get_stats(client, team.ana, compare="previous", user_id=team.ben.id, **PERIOD)
    assert bens["totals"]["contacted"] == 0
    assert bens["previous"]["totals"]["contacted"] == 1  # c1's call
    emails = get_stats(client, team.ana, compare="previous", channel="email", **PERIOD)
    assert emails["previous"]["totals"]["contacted"] == 1  # c0's email


def test_groups_are_the_periods_own_and_without_compare_nothing_changes(
    client: httpx.Client, team: StatsTeam
) -> None:
    grouped = get_stats(client, team.ana, compare="previous", group_by="channel", **PERIOD)
    assert [g["key"] for g in grouped["groups"]] == ["text"]
    assert set(grouped["previous"]) == {"from", "to", "totals"}
    plain = get_stats(client, team.ana, group_by="channel", **PERIOD)
    assert plain["previous"] is None
    assert plain["totals"] == grouped["totals"]
    assert plain["groups"] == grouped["groups"]


def test_an_unknown_comparison_is_422_naming_it(client: httpx.Client, team: StatsTeam) -> None:
    r = client.get("/stats/outreach", params={"compare": "last_year"}, headers=team.ana.headers)
    assert_problem(r, 422, "compare")
