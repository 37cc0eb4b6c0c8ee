"""Stats by sequence (SPEC §9): one small history worked out by hand, on both views.

The team is in UTC; the period is Mon 2 .. Sun 8 Mar 2026. "Onboarding" (A) and "Design
leads" (B) are sequences of the team; sequence 2,000,000,000 made a touchpoint but has no row
(deleted since, say): its label falls back to its id. Times are UTC.

c1  A stage 1  email outreach initial    2 Mar 09:00   thread T1 (A, stage 1)
    A stage 2  email outreach follow_up  4 Mar 09:00
    by hand    email reply interested    5 Mar 09:00   72 h after T1's initial
c2  A stage 1  email outreach initial    2 Mar 10:00   T2 (A, stage 1), no reply
c3  by hand    inmail outreach initial   3 Mar 09:00   T3 (no sequence)
    by hand    inmail reply not_int.     3 Mar 12:00   3 h later
c4  B stage 1  text outreach initial     3 Mar 09:00   T4 (B, stage 1)
    B stage 2  text outreach follow_up   6 Mar 09:00
c5  gone, 1    call outreach initial     4 Mar 09:00   T5 (the sequence with no row, stage 1)
c6  A stage 10 email outreach initial    5 Mar 09:00   T6 (A, stage 10): after A:1, not A:2

The cohort view groups and filters threads by their initial's sequence and stage; the activity
view each touchpoint by its own: the replies by hand are in no sequence there.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from reachout.db import Database
from tests.conftest import LiveServer
from tests.factories import World, make_candidate
from tests.security.conftest import WebClient
from tests.stats.helpers import (
    StatsTeam,
    get_stats,
    iso,
    log,
    log_by_sequence,
    make_sequence,
    make_stats_team,
    rounded,
)
from tests.stats.test_example import activity
from tests.stats.test_example import cohort as cohort_metrics
from tests.test_cli import run_cli

PERIOD = {"from_": "2026-03-02", "to": "2026-03-08"}
GONE = 2_000_000_000


@dataclass
class History:
    team: StatsTeam
    a: int
    b: int


@pytest.fixture
def history(client: httpx.Client, db: Database) -> History:
    team = make_stats_team(db, time_zone="UTC")
    a, b = make_sequence(db, team.ana, "Onboarding"), make_sequence(db, team.ana, "Design leads")
    c1, c2, c3, c4, c5, c6 = team.candidates

    def step(c: int, when: str, channel: str, sequence_id: int, stage: int) -> None:
        body = {"candidate_id": c, "channel": channel, "occurred_at": iso(when)}
        log_by_sequence(db, team.ana, body, sequence_id=sequence_id, stage=stage)

    ana = team.ana
    step(c1, "2026-03-02 09:00", "email", a, 1)
    step(c1, "2026-03-04 09:00", "email", a, 2)
    log(client, ana, c1, "2026-03-05 09:00", channel="email", kind="reply", status="interested")
    step(c2, "2026-03-02 10:00", "email", a, 1)
    log(client, ana, c3, "2026-03-03 09:00", channel="inmail")
    log(
        client, ana, c3, "2026-03-03 12:00", channel="inmail", kind="reply", status="not_interested"
    )
    step(c4, "2026-03-03 09:00", "text", b, 1)
    step(c4, "2026-03-06 09:00", "text", b, 2)
    step(c5, "2026-03-04 09:00", "call", GONE, 1)
    step(c6, "2026-03-05 09:00", "email", a, 10)
    return History(team, a, b)


def stats(client: httpx.Client, history: History, **params: Any) -> dict[str, Any]:
    return rounded(get_stats(client, history.team.ana, **{**PERIOD, **params}))


def groups(answer: dict[str, Any]) -> list[tuple[Any, str, dict[str, Any]]]:
    return [(g.pop("key"), g.pop("label"), g) for g in answer["groups"]]


def cohort(*metrics: Any) -> dict[str, Any]:
    """The cohort metrics, rounded as the answers are."""
    return rounded(cohort_metrics(*metrics))  # type: ignore[no-any-return]


def test_touchpoints_say_which_sequence_stage_made_them(
    client: httpx.Client, history: History
) -> None:
    r = client.get("/touchpoints", params={"limit": 50}, headers=history.team.ana.headers)
    made = [(t["sequence_id"], t["sequence_stage"], t["source"]) for t in r.json()["items"]]
    a, b = history.a, history.b
    assert made == [
        (a, 1, "sequence"),
        (a, 2, "sequence"),
        (None, None, "manual"),
        (a, 1, "sequence"),
        (None, None, "manual"),
        (None, None, "manual"),
        (b, 1, "sequence"),
        (b, 2, "sequence"),
        (GONE, 1, "sequence"),
        (a, 10, "sequence"),
    ]


def test_cohort_by_sequence(client: httpx.Client, history: History) -> None:
    answer = stats(client, history, group_by="sequence")
    assert groups(answer) == [
        (history.a, "Onboarding", cohort(3, 3, 1, 1, 1, 0, 0, 1 / 3, 1 / 3, 72.0)),
        (history.b, "Design leads", cohort(1, 1, 1, 0, 0, 0, 0, 0.0, 0.0, None)),
        (GONE, f"Sequence {GONE}", cohort(1, 1, 0, 0, 0, 0, 0, 0.0, 0.0, None)),
        (None, "No sequence", cohort(1, 1, 0, 1, 0, 1, 0, 1.0, 0.0, 3.0)),
    ]
    assert answer["totals"] == cohort(6, 6, 2, 2, 1, 1, 0, 1 / 3, 1 / 6, 37.5)


def test_cohort_by_sequence_stage_is_the_initials(client: httpx.Client, history: History) -> None:
    a, b = history.a, history.b
    assert groups(stats(client, history, group_by="sequence_stage")) == [
        (f"{a}:1", "Onboarding · stage 1", cohort(2, 2, 1, 1, 1, 0, 0, 0.5, 0.5, 72.0)),
        (f"{a}:10", "Onboarding · stage 10", cohort(1, 1, 0, 0, 0, 0, 0, 0.0, 0.0, None)),
        (f"{b}:1", "Design leads · stage 1", cohort(1, 1, 1, 0, 0, 0, 0, 0.0, 0.0, None)),
        (f"{GONE}:1", f"Sequence {GONE} · stage 1", cohort(1, 1, 0, 0, 0, 0, 0, 0.0, 0.0, None)),
        (None, "No sequence", cohort(1, 1, 0, 1, 0, 1, 0, 1.0, 0.0, 3.0)),
    ]


def test_activity_by_sequence_and_stage_is_each_touchpoints(
    client: httpx.Client, history: History
) -> None:
    a, b = history.a, history.b
    by_hand = activity(1, 1, 0, 2, 1, 1, 0)
    assert groups(stats(client, history, view="activity", group_by="sequence")) == [
        (a, "Onboarding", activity(4, 3, 1, 0, 0, 0, 0)),
        (b, "Design leads", activity(2, 1, 1, 0, 0, 0, 0)),
        (GONE, f"Sequence {GONE}", activity(1, 1, 0, 0, 0, 0, 0)),
        (None, "No sequence", by_hand),
    ]
    answer = stats(client, history, view="activity", group_by="sequence_stage")
    assert groups(answer) == [
        (f"{a}:1", "Onboarding · stage 1", activity(2, 2, 0, 0, 0, 0, 0)),
        (f"{a}:2", "Onboarding · stage 2", activity(1, 0, 1, 0, 0, 0, 0)),
        (f"{a}:10", "Onboarding · stage 10", activity(1, 1, 0, 0, 0, 0, 0)),
        (f"{b}:1", "Design leads · stage 1", activity(1, 1, 0, 0, 0, 0, 0)),
        (f"{b}:2", "Design leads · stage 2", activity(1, 0, 1, 0, 0, 0, 0)),
        (f"{GONE}:1", f"Sequence {GONE} · stage 1", activity(1, 1, 0, 0, 0, 0, 0)),
        (None, "No sequence", by_hand),
    ]
    assert answer["totals"] == activity(8, 6, 2, 2, 1, 1, 0)


def test_the_sequence_filter_on_both_views(client: httpx.Client, history: History) -> None:
    a = history.a
    # Cohort: the threads A started, and what became of them (c1's reply by hand included).
    mine = stats(client, history, sequence_id=a)
    assert mine["totals"] == cohort(3, 3, 1, 1, 1, 0, 0, 1 / 3, 1 / 3, 72.0)
    stages = stats(client, history, sequence_id=a, group_by="stage")["groups"]
    assert [(g["key"], g["reached"], g["replied"]) for g in stages] == [(1, 3, 0), (2, 1, 1)]
    # Activity: what A itself did.
    done = stats(client, history, view="activity", sequence_id=a, group_by="channel")
    assert done["totals"] == activity(4, 3, 1, 0, 0, 0, 0)
    assert [g["key"] for g in done["groups"]] == ["email"]
    # With another filter, and a sequence that made nothing in the period (or no sequence).
    assert stats(client, history, sequence_id=a, channel="text")["totals"]["contacted"] == 0
    nothing = stats(client, history, view="activity", sequence_id=999_999)
    assert (nothing["totals"], nothing["groups"]) == (activity(0, 0, 0, 0, 0, 0, 0), [])


def test_another_teams_sequence_counts_nothing_here(
    client: httpx.Client, db: Database, history: History
) -> None:
    """Sequences are not looked up (an archived one's outreach still counts), so another
    team's is answered as one that made nothing, and its name is never a label here."""
    theirs = make_stats_team(db, time_zone="UTC", candidates=1)
    other = make_sequence(db, theirs.ana, "Their secret campaign")
    body = {
        "candidate_id": theirs.candidates[0],
        "channel": "email",
        "occurred_at": iso("2026-03-03 09:00"),
    }
    log_by_sequence(db, theirs.ana, body, sequence_id=other, stage=1)
    assert stats(client, history, sequence_id=other)["totals"]["contacted"] == 0
    # Their sequence id on a touchpoint of ours (c1's follow-up): labelled by its id, not by
    # their sequence's name.
    ours = {
        "candidate_id": history.team.candidates[0],
        "channel": "email",
        "occurred_at": iso("2026-03-07 09:00"),
    }
    log_by_sequence(db, history.team.ana, ours, sequence_id=other, stage=1)
    answer = stats(client, history, view="activity", group_by="sequence")
    labels = [g["label"] for g in answer["groups"]]
    assert f"Sequence {other}" in labels
    assert "Their secret campaign" not in str(labels)


def test_the_cli_takes_the_sequence_filter_and_groupings(db: Database, history: History) -> None:
    url = db.settings.database_url
    period = ("--from", PERIOD["from_"], "--to", PERIOD["to"])
    result = run_cli(
        url,
        "stats",
        "--team",
        history.team.name,
        *period,
        "--view",
        "activity",
        "--group-by",
        "sequence_stage",
        "--sequence-id",
        str(history.a),
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.stderr
    rows = [
        (r["key"], r["label"], r["outreach"]) for r in csv.DictReader(io.StringIO(result.stdout))
    ]
    a = history.a
    assert rows == [
        (f"{a}:1", "Onboarding · stage 1", "2"),
        (f"{a}:2", "Onboarding · stage 2", "1"),
        (f"{a}:10", "Onboarding · stage 10", "1"),
        ("", "Total", "4"),
    ]
    bad = run_cli(url, "stats", "--team", history.team.name, "--sequence-id", "0")
    assert bad.exit_code != 0 and "--sequence-id" in bad.stderr


@pytest.fixture
def web(live_server: LiveServer, world: World) -> Iterator[WebClient]:
    """Signed in as the admin of team A."""
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        client = WebClient(http)
        client.sign_in(world.admin.user.email)
        yield client


def test_the_stats_page_groups_and_filters_by_sequence(
    db: Database, world: World, web: WebClient
) -> None:
    a = make_sequence(db, world.admin, "Onboarding <Q2>")
    b = make_sequence(db, world.admin, "Design leads")
    theirs = make_sequence(db, world.outsider, "Their secret campaign")
    with db.unit_of_work() as s:
        c1, c2 = (make_candidate(s, team=world.team).id for _ in range(2))
    for c, stage in ((c1, 1), (c2, 2)):
        body = {"candidate_id": c, "channel": "email", "occurred_at": iso("2026-03-03 09:00")}
        log_by_sequence(db, world.admin, body, sequence_id=a, stage=stage)
    period = {"period": "custom", "from": "2026-03-02", "to": "2026-03-08"}

    page = web.send("GET", "/stats", params=period | {"group_by": "sequence_stage"}).text
    choices = re.search(r'<select id="stats-sequence".*?</select>', page, re.S)
    assert choices is not None
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', choices.group(0))
    assert options == [
        ("", "All sequences"),
        (str(b), "Design leads"),
        (str(a), "Onboarding &lt;Q2&gt;"),
    ]
    assert "Their secret campaign" not in page
    rows = re.findall(r'<tr data-key="([^"]*)"><th scope="row">([^<]*)</th>', page)
    assert rows == [
        (f"{a}:1", "Onboarding &lt;Q2&gt; · stage 1"),
        (f"{a}:2", "Onboarding &lt;Q2&gt; · stage 2"),
    ]
    assert '<option value="sequence_stage" selected>Sequence stage</option>' in page

    csv_text = web.send("GET", "/stats.csv", params=period | {"group_by": "sequence"}).text
    assert list(csv.reader(io.StringIO(csv_text)))[1][:2] == ["Onboarding <Q2>", "2"]

    chosen = web.send("GET", "/stats", params=period | {"sequence_id": a, "view": "activity"})
    assert f'<option value="{a}" selected>' in chosen.text
    # Another team's sequence, from a hand-edited link: counts nothing, and is not named.
    other = web.send("GET", "/stats", params=period | {"sequence_id": theirs})
    assert other.status_code == 200
    assert f'<option value="{theirs}" selected>Sequence {theirs}</option>' in other.text
    assert "Their secret campaign" not in other.text
    refused = web.send("GET", "/stats", params=period | {"sequence_id": "x"})
    assert refused.status_code == 422
    assert "Choose a sequence from the list." in refused.text
