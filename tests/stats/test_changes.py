"""Stats follow every change to the ledger: bulk logs and their undo, backdating, edits, deletes,
and the team's settings. Each step's expectations are worked out by hand in its comments."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reachout.db import Database
from tests.stats.helpers import StatsTeam, get_stats, iso, log, make_stats_team

DAY = {"from_": "2026-06-01", "to": "2026-06-30"}


@pytest.fixture
def team(db: Database) -> StatsTeam:
    return make_stats_team(db, time_zone="UTC", candidates=3)


def stats(client: httpx.Client, team: StatsTeam, **params: Any) -> dict[str, Any]:
    return get_stats(client, team.ana, **{**DAY, **params})


def totals(client: httpx.Client, team: StatsTeam, **params: Any) -> dict[str, Any]:
    return stats(client, team, **params)["totals"]


def pick(metrics: dict[str, Any], *names: str) -> tuple[Any, ...]:
    return tuple(metrics[n] for n in names)


def patch(client: httpx.Client, team: StatsTeam, tp_id: int, body: dict[str, Any]) -> None:
    r = client.patch(f"/touchpoints/{tp_id}", json=body, headers=team.ana.headers)
    assert r.status_code == 200, r.text


def bulk(client: httpx.Client, team: StatsTeam, body: dict[str, Any]) -> int:
    r = client.post(
        f"/projects/{team.projects[0]}/touchpoints/bulk",
        json={"all": True, **body},
        headers=team.ana.headers,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["batch_id"])


def undo(client: httpx.Client, team: StatsTeam, batch_id: int) -> None:
    r = client.delete(f"/batches/{batch_id}", headers=team.ana.headers)
    assert r.status_code == 200, r.text


COHORT = ("contacted", "follow_ups", "replied", "interested")
ACTIVITY = ("outreach", "initial", "follow_up", "replies")


def test_bulk_logs_and_their_undo(client: httpx.Client, team: StatsTeam) -> None:
    first = bulk(client, team, {"channel": "inmail", "occurred_at": iso("2026-06-02 10:00")})
    # Three candidates, no outreach before: three threads.
    assert pick(totals(client, team), *COHORT) == (3, 0, 0, 0)
    second = bulk(client, team, {"channel": "text", "occurred_at": iso("2026-06-04 10:00")})
    # Auto makes each a follow-up, in the inmail threads.
    assert pick(totals(client, team), *COHORT) == (3, 3, 0, 0)
    replies = bulk(
        client,
        team,
        {
            "kind": "reply",
            "channel": "inmail",
            "reply_status": "interested",
            "occurred_at": iso("2026-06-05 10:00"),
        },
    )
    cohort = totals(client, team)
    assert pick(cohort, *COHORT) == (3, 3, 3, 3)
    assert cohort["median_hours_to_reply"] == 72.0  # 2 Jun 10:00 to 5 Jun 10:00
    assert pick(totals(client, team, view="activity"), *ACTIVITY) == (6, 3, 3, 3)
    undo(client, team, replies)
    assert pick(totals(client, team), *COHORT) == (3, 3, 0, 0)
    undo(client, team, first)
    # The inmails are gone: the texts of 4 Jun are now each candidate's initial.
    by_channel = stats(client, team, group_by="channel")["groups"]
    assert [(g["key"], g["contacted"], g["follow_ups"]) for g in by_channel] == [("text", 3, 0)]
    by_day = stats(client, team, view="activity", group_by="day")["groups"]
    assert [(g["key"], g["initial"], g["follow_up"]) for g in by_day] == [("2026-06-04", 3, 0)]
    undo(client, team, second)
    assert pick(totals(client, team), *COHORT) == (0, 0, 0, 0)
    assert totals(client, team)["reply_rate"] is None


def test_backdating_moves_the_thread(client: httpx.Client, team: StatsTeam) -> None:
    c = team.candidates[0]
    a = log(client, team.ana, c, "2026-06-10 12:00", channel="inmail")
    b = log(client, team.ben, c, "2026-06-12 12:00", channel="call")
    log(client, team.ana, c, "2026-06-13 12:00", channel="inmail", kind="reply", status="later")
    assert pick(totals(client, team, from_="2026-06-10", to="2026-06-10"), *COHORT) == (1, 1, 1, 0)
    # Backdate Ben's call before Ana's inmail: it becomes the initial, her inmail a follow-up.
    patch(client, team, b, {"occurred_at": iso("2026-06-05 12:00")})
    assert pick(totals(client, team, from_="2026-06-10", to="2026-06-10"), *COHORT) == (0, 0, 0, 0)
    moved = stats(client, team, from_="2026-06-05", to="2026-06-05", group_by="user")
    assert [(g["key"], g["contacted"], g["follow_ups"]) for g in moved["groups"]] == [
        (team.ben.id, 1, 1)
    ]
    # 5 Jun 12:00 to 13 Jun 12:00.
    assert moved["totals"]["median_hours_to_reply"] == 192.0
    days = stats(client, team, view="activity", group_by="day")["groups"]
    assert [(g["key"], g["initial"], g["follow_up"], g["replies"]) for g in days] == [
        ("2026-06-05", 1, 0, 0),
        ("2026-06-10", 0, 1, 0),
        ("2026-06-13", 0, 0, 1),
    ]
    # Move the inmail past the reply: the thread now has no outreach before its reply but one.
    patch(client, team, a, {"occurred_at": iso("2026-06-20 12:00")})
    stages = stats(client, team, group_by="stage")["groups"]
    assert [(g["key"], g["reached"], g["replied"]) for g in stages] == [(1, 1, 1)]


def test_edits_of_channel_user_project_status_and_designation(
    client: httpx.Client, team: StatsTeam
) -> None:
    c1, c2, _ = team.candidates
    backend, design = team.projects
    first = log(client, team.ana, c1, "2026-06-02 09:00", channel="inmail", project_id=backend)
    log(client, team.ana, c1, "2026-06-03 09:00", channel="inmail", project_id=backend)
    answer = log(client, team.ana, c1, "2026-06-03 18:00", channel="inmail", kind="reply")
    patch(client, team, first, {"channel": "call", "user_id": team.ben.id, "project_id": design})
    # A thread is filed under its initial's channel, user and project.
    for group_by, key in (("channel", "call"), ("user", team.ben.id), ("project", design)):
        groups = stats(client, team, group_by=group_by)["groups"]
        assert [(g["key"], g["contacted"], g["follow_ups"]) for g in groups] == [(key, 1, 1)]
    # The reply had no status; given one, the thread's latest reply is interested.
    assert pick(totals(client, team), "replied", "interested") == (1, 0)
    patch(client, team, answer, {"reply_status": "interested"})
    assert pick(totals(client, team), "replied", "interested") == (1, 1)
    # Made an explicit initial, the follow-up starts a second thread of the same candidate.
    second = log(client, team.ana, c2, "2026-06-04 09:00", channel="text")
    follow = log(client, team.ana, c2, "2026-06-05 09:00", channel="text")
    assert pick(totals(client, team), "contacted", "candidates", "follow_ups") == (2, 2, 2)
    patch(client, team, follow, {"designation": "initial"})
    assert pick(totals(client, team), "contacted", "candidates", "follow_ups") == (3, 2, 1)
    assert pick(totals(client, team, view="activity"), *ACTIVITY) == (4, 3, 1, 1)
    patch(client, team, second, {"designation": "follow_up"})
    # An explicit follow-up before any initial belongs to no thread (and auto never overrides it).
    assert pick(totals(client, team), "contacted", "candidates", "follow_ups") == (2, 2, 1)


def test_deletes(client: httpx.Client, team: StatsTeam) -> None:
    c1, c2, _ = team.candidates
    first = log(client, team.ana, c1, "2026-06-02 09:00", channel="inmail")
    log(client, team.ana, c1, "2026-06-09 09:00", channel="inmail")
    reply = log(client, team.ana, c1, "2026-06-09 11:00", channel="inmail", kind="reply")
    log(client, team.ana, c2, "2026-06-03 09:00", channel="text")
    assert pick(totals(client, team), *COHORT) == (2, 1, 1, 0)
    # Delete c1's first outreach: the next auto outreach becomes the initial, a week later.
    r = client.delete(f"/touchpoints/{first}", headers=team.ana.headers)
    assert r.status_code == 204
    weeks = stats(client, team, group_by="week")["groups"]
    assert [(g["key"], g["contacted"], g["follow_ups"], g["replied"]) for g in weeks] == [
        ("2026-06-01", 1, 0, 0),  # c2's text of Wed 3 Jun
        ("2026-06-08", 1, 0, 1),  # c1's inmail of Tue 9 Jun, replied 2 hours later
    ]
    assert totals(client, team)["median_hours_to_reply"] == 2.0
    r = client.delete(f"/touchpoints/{reply}", headers=team.ana.headers)
    assert pick(totals(client, team), *COHORT) == (2, 0, 0, 0)
    assert pick(totals(client, team, view="activity"), *ACTIVITY) == (2, 2, 0, 0)
    # A deleted candidate's touchpoints take part in nothing.
    r = client.delete(f"/candidates/{c2}", headers=team.ana.headers)
    assert r.status_code == 204, r.text
    assert pick(totals(client, team), *COHORT) == (1, 0, 0, 0)
    assert pick(totals(client, team, view="activity"), *ACTIVITY) == (1, 1, 0, 0)


def test_team_time_zone_and_reengagement_window(client: httpx.Client, team: StatsTeam) -> None:
    c = team.candidates[0]
    log(client, team.ana, c, "2026-06-03 03:30", channel="inmail")
    log(client, team.ana, c, "2026-06-20 12:00", channel="inmail")
    june_3 = {"from_": "2026-06-03", "to": "2026-06-03"}
    assert pick(totals(client, team, **june_3), "contacted", "follow_ups") == (1, 1)
    r = client.patch("/team", json={"time_zone": "America/New_York"}, headers=team.ana.headers)
    assert r.status_code == 200, r.text
    # 03:30 UTC on 3 Jun is 23:30 on 2 Jun in New York (UTC-4 in summer).
    assert totals(client, team, **june_3)["contacted"] == 0
    june_2 = {"from_": "2026-06-02", "to": "2026-06-02"}
    assert pick(totals(client, team, **june_2), "contacted", "follow_ups") == (1, 1)
    assert totals(client, team, view="activity", **june_2)["initial"] == 1
    answer = stats(client, team, **june_2)
    assert answer["time_zone"] == "America/New_York"
    # With a 7-day re-engagement window, the outreach after 17 silent days starts a new thread.
    r = client.patch("/team", json={"reengage_after_days": 7}, headers=team.ana.headers)
    assert r.status_code == 200, r.text
    assert pick(totals(client, team), "contacted", "candidates", "follow_ups") == (2, 1, 0)
