"""Touchpoint history in Gem's `event_log` format (SPEC §7): import rules, and the round trip
export → import into an empty team → the same Outreach Stats, on both databases."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import delete, select

from reachout.db import Database
from reachout.models import (
    ActivityDay,
    Batch,
    Candidate,
    ProjectCandidate,
    Thread,
    Touchpoint,
)
from reachout.models.enums import Channel, DesignationChoice, Kind, ReplyStatus
from reachout.touchpoints import service
from reachout.touchpoints.schemas import TouchpointCreate
from tests.factories import World, make_candidate
from tests.problems import assert_problem

HEADER = (
    "timestamp,user_name,user_email,candidate_id,candidate_greenhouse_id,candidate_first_name,"
    "candidate_last_name,candidate_email,event_type,event_subtype,event_metadata\n"
)


def post(client: httpx.Client, world: World, data: str, **params: Any) -> httpx.Response:
    return client.post(
        "/imports/touchpoints",
        content=data.encode(),
        params={"format": "gem", **params},
        headers={**world.admin.headers, "Content-Type": "text/csv"},
    )


def ledger(db: Database, team_id: int) -> list[tuple[Any, ...]]:
    with db.unit_of_work(write=False) as s:
        rows = s.execute(
            select(
                Candidate.name,
                Touchpoint.kind,
                Touchpoint.channel,
                Touchpoint.designation,
                Touchpoint.designation_mode,
                Touchpoint.reply_status,
                Touchpoint.occurred_at,
                Touchpoint.source,
            )
            .join(Candidate, Candidate.id == Touchpoint.candidate_id)
            .where(Touchpoint.team_id == team_id, Touchpoint.deleted_at.is_(None))
            .order_by(Touchpoint.occurred_at, Candidate.name)
        )
        return [tuple(r) for r in rows]


def test_rows_are_read_matched_and_reported(
    client: httpx.Client, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        make_candidate(s, team=world.team, name="Known Person", emails=["known@example.org"])
    member = world.member.user.email.upper()
    t = int(datetime(2026, 3, 2, 15, 0, tzinfo=UTC).timestamp())
    data = HEADER + (
        f"{t},M,{member},1,,Known,Person,KNOWN@example.org,First Outreach,Inmail,\n"
        f"{t + 60},M,{member},,,New,Person Two,new@example.org,Follow-up,Email,\n"
        f"{t + 120},M,{member},,,New,Person Two,new@example.org,Reply,Email,Interested\n"
        f"{t + 180},M,{member},,,New,Person Two,new@example.org,Meeting,,\n"
        f"{t + 240},M,nobody@example.org,,,A,B,a@example.org,Reply,Email,\n"
        f"{t + 300},M,{member},,,A,B,,Reply,Email,\n"
        f"soon,M,{member},,,A,B,a@example.org,Reply,Fax,Maybe\n"
    )
    r = post(client, world, data, dry_run="true")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rows"], body["created"], body["duplicates"]) == (7, 3, 0)
    assert body["skipped"] == [{"line": 5, "reason": "event type 'Meeting' is not a touchpoint"}]
    assert [i["line"] for i in body["invalid"]] == [6, 7, 8]
    assert "user_email" in body["invalid"][0]["errors"][0]
    assert body["invalid"][1]["errors"] == ["candidate_email: required"]
    assert len(body["invalid"][2]["errors"]) == 3  # timestamp, subtype, metadata
    assert ledger(db, world.team.id) == []

    assert_problem(post(client, world, data), 422)
    assert ledger(db, world.team.id) == []

    r = post(client, world, data, skip_invalid="true")
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 3
    at = datetime.fromtimestamp(t, UTC)
    assert ledger(db, world.team.id) == [
        ("Known Person", "outreach", "inmail", "initial", "explicit", None, at, "import"),
        (
            "New Person Two",
            "outreach",
            "email",
            "follow_up",
            "explicit",
            None,
            at + timedelta(seconds=60),
            "import",
        ),
        (
            "New Person Two",
            "reply",
            "email",
            None,
            None,
            "interested",
            at + timedelta(seconds=120),
            "import",
        ),
    ]
    # Again: every row is a duplicate now, nothing is written.
    r = post(client, world, data, skip_invalid="true")
    assert (r.json()["created"], r.json()["duplicates"]) == (0, 3)
    assert len(ledger(db, world.team.id)) == 3


def test_a_file_without_gems_columns_is_refused(client: httpx.Client, world: World) -> None:
    problem = assert_problem(post(client, world, "name,email\nA,a@example.org\n"), 422)
    assert "event_type" in problem["detail"]


def _history(db: Database, world: World) -> None:
    """Three months of varied history: both users, every channel, replies, Auto and explicit
    designations, backdated, some within the re-engagement window and some past it."""
    rng = random.Random(15)
    start = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
    with db.unit_of_work() as s:
        ids = [
            make_candidate(
                s, team=world.team, name=f"Person {i} Lastname", emails=[f"p{i}@example.org"]
            ).id
            for i in range(25)
        ]
        users = [world.admin.user.id, world.member.user.id]
        for candidate_id in ids:
            moment = start + timedelta(hours=rng.randrange(0, 24 * 30))
            for _ in range(rng.randrange(1, 6)):
                reply = rng.random() < 0.3
                data = TouchpointCreate(
                    candidate_id=candidate_id,
                    kind=Kind.reply if reply else Kind.outreach,
                    channel=rng.choice(list(Channel)),
                    designation=None if reply else rng.choice(list(DesignationChoice)),
                    reply_status=rng.choice(list(ReplyStatus)) if reply else None,
                    occurred_at=moment,
                    user_id=rng.choice(users),
                )
                service.log_touchpoint(s, actor=world.admin.user, data=data)
                moment += timedelta(days=rng.choice([1, 3, 9, 40]), seconds=rng.randrange(3600))


def _stats(client: httpx.Client, world: World) -> list[Any]:
    out = []
    for view in ("cohort", "activity"):
        for group_by in (None, "channel", "user", "week"):
            params = {"view": view, "from": "2026-08-01", "to": "2026-12-31"}
            if group_by:
                params["group_by"] = group_by
            r = client.get("/stats/outreach", params=params, headers=world.admin.headers)
            assert r.status_code == 200, r.text
            out.append(r.json())
    return out


def _empty(db: Database, team_id: int) -> None:
    """The team as a new instance's would be: its users, no candidates, no history."""
    with db.unit_of_work() as s:
        candidate_ids = select(Candidate.id).where(Candidate.team_id == team_id)
        for table in (Thread, ActivityDay, Touchpoint, Batch):
            s.execute(delete(table).where(table.team_id == team_id))
        s.execute(delete(ProjectCandidate).where(ProjectCandidate.candidate_id.in_(candidate_ids)))
        s.execute(delete(Candidate).where(Candidate.team_id == team_id))


def test_export_then_import_into_an_empty_team_gives_the_same_stats(
    client: httpx.Client, world: World, db: Database
) -> None:
    _history(db, world)
    before = _stats(client, world)
    assert before[0]["totals"]["contacted"] > 0 if "totals" in before[0] else before[0]
    r = client.get("/exports/touchpoints", params={"format": "gem"}, headers=world.admin.headers)
    assert r.status_code == 200, r.text
    exported = r.text
    lines = exported.strip().splitlines()
    assert lines[0] + "\n" == HEADER
    written = len(ledger(db, world.team.id))
    assert len(lines) == written + 1

    _empty(db, world.team.id)
    assert ledger(db, world.team.id) == []
    r = post(client, world, exported)
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["duplicates"], r.json()["invalid"]) == (written, 0, [])
    assert r.json()["candidates_created"] == 25
    assert _stats(client, world) == before

    # The same file twice: nothing new the second time.
    r = post(client, world, exported)
    assert (r.json()["created"], r.json()["duplicates"]) == (0, written)
    assert _stats(client, world) == before
