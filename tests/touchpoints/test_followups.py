"""Follow-ups due (touchpoints.followups): the caller's candidates whose outreach got no reply
for N days, and the "Follow up later" replies whose time has come, counted in days of the
team's time zone; through the service, with a set clock, and through the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.orm import Session

from reachout.candidates import service as candidates
from reachout.kit import time as clock
from reachout.models import Candidate, Team, User
from reachout.models.enums import Kind, ReplyStatus
from reachout.touchpoints import followups
from reachout.touchpoints import service as touchpoints
from tests.candidates.helpers import create
from tests.factories import World, make_candidate, make_team, make_user
from tests.problems import assert_problem
from tests.touchpoints.helpers import log

LA = ZoneInfo("America/Los_Angeles")
# Thursday 12 March 2026, 13:00 in Los Angeles (PDT since Sunday the 8th): 20:00 UTC.
NOW = datetime(2026, 3, 12, 20, 0, tzinfo=UTC)


def la(text: str) -> datetime:
    """An instant given as Los Angeles wall-clock time, 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=LA)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def team(session: Session, monkeypatch: pytest.MonkeyPatch) -> tuple[Team, User, User]:
    """A team in Los Angeles, its admin and a member; the clock at NOW."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    team, admin = make_team(session, time_zone="America/Los_Angeles")
    return team, admin, make_user(session, team=team)


def due(session: Session, user: User, **kw: Any) -> list[tuple[str, str, date]]:
    """(candidate name, reason, due since) of the user's follow-ups due, in the list's order."""
    items = followups.follow_ups_due(session, actor=user, **kw).items
    return [(item.name, item.reason.value, item.due_since) for item in items]


def person(session: Session, team: Team, name: str) -> Candidate:
    return make_candidate(session, team=team, name=name)


def test_days_count_in_the_team_time_zone(
    session: Session, team: tuple[Team, User, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    t, me, _ = team
    # Both on 10 March in UTC; in Los Angeles one is late on the 9th, the other early on the 10th.
    late_evening = person(session, t, "Late evening")
    log(session, me, late_evening.id, la("2026-03-09 23:30"))
    past_midnight = person(session, t, "Past midnight")
    log(session, me, past_midnight.id, la("2026-03-10 00:30"))
    assert due(session, me, days=3) == [("Late evening", "no_reply", date(2026, 3, 12))]
    assert due(session, me, days=2) == [
        ("Late evening", "no_reply", date(2026, 3, 11)),
        ("Past midnight", "no_reply", date(2026, 3, 12)),
    ]
    # 06:59 UTC on the 13th is still the 12th in Los Angeles; at 07:00 the 13th begins there.
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 13, 6, 59, tzinfo=UTC))
    assert [name for name, *_ in due(session, me, days=3)] == ["Late evening"]
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 13, 7, 0, tzinfo=UTC))
    assert [name for name, *_ in due(session, me, days=3)] == ["Late evening", "Past midnight"]
    # Three days is the default; none at all lists every outreach left unanswered, today's too.
    assert due(session, me) == due(session, me, days=3)
    today = person(session, t, "Today")
    log(session, me, today.id, NOW)
    assert [name for name, *_ in due(session, me, days=0)][-1] == "Today"


def test_a_reply_since_the_last_outreach_takes_the_candidate_off(
    session: Session, team: tuple[Team, User, User]
) -> None:
    t, me, _ = team
    replied = person(session, t, "Replied")
    log(session, me, replied.id, days_ago(6))
    log(session, me, replied.id, days_ago(5), kind=Kind.reply)
    answered_before = person(session, t, "Answered before")
    log(session, me, answered_before.id, days_ago(9), kind=Kind.reply)
    log(session, me, answered_before.id, days_ago(8))
    followed_up = person(session, t, "Followed up")
    log(session, me, followed_up.id, days_ago(10))
    log(session, me, followed_up.id, days_ago(9), kind=Kind.reply)
    log(session, me, followed_up.id, days_ago(4))
    assert [name for name, *_ in due(session, me)] == ["Answered before", "Followed up"]
    log(session, me, followed_up.id, days_ago(1), kind=Kind.reply, reply_status=None)
    assert [name for name, *_ in due(session, me)] == ["Answered before"]


def test_only_the_callers_outreach_counts(session: Session, team: tuple[Team, User, User]) -> None:
    t, me, colleague = team
    theirs = person(session, t, "Theirs")
    log(session, colleague, theirs.id, days_ago(5))
    taken_over = person(session, t, "Taken over")
    log(session, me, taken_over.id, days_ago(9))
    log(session, colleague, taken_over.id, days_ago(5))
    handed_over = person(session, t, "Handed over")
    log(session, colleague, handed_over.id, days_ago(9))
    log(session, me, handed_over.id, days_ago(5))
    assert [name for name, *_ in due(session, me)] == ["Handed over"]
    assert [name for name, *_ in due(session, colleague)] == ["Theirs", "Taken over"]


def test_a_later_reply_is_due_when_its_time_has_come(
    session: Session, team: tuple[Team, User, User]
) -> None:
    t, me, colleague = team
    later, interested = ReplyStatus.later, ReplyStatus.interested

    def reply(candidate: Candidate, by: User, at: datetime, status: ReplyStatus) -> None:
        log(session, by, candidate.id, at, kind=Kind.reply, reply_status=status)

    ripe = person(session, t, "Ripe")
    log(session, me, ripe.id, la("2026-02-01 10:00"))
    # Late on 20 Feb in Los Angeles: 21 Feb in UTC. Logged by a colleague, it is still mine:
    # I am credited with the outreach it answers.
    reply(ripe, colleague, la("2026-02-20 23:00"), later)
    inbound = person(session, t, "Inbound")  # never reached out to: the reply's is the owner
    reply(inbound, me, la("2026-02-25 09:00"), later)
    green = person(session, t, "Green")
    log(session, me, green.id, la("2026-02-01 10:00"))
    reply(green, me, la("2026-03-05 09:00"), later)
    contacted_since = person(session, t, "Contacted since")
    reply(contacted_since, me, la("2026-01-10 09:00"), later)
    log(session, me, contacted_since.id, la("2026-03-11 09:00"))
    changed_mind = person(session, t, "Changed mind")
    log(session, me, changed_mind.id, la("2026-01-02 09:00"))
    reply(changed_mind, me, la("2026-01-10 09:00"), later)
    reply(changed_mind, me, la("2026-01-20 09:00"), interested)
    colleagues = person(session, t, "Colleague's")
    log(session, colleague, colleagues.id, la("2026-01-02 09:00"))
    reply(colleagues, me, la("2026-01-10 09:00"), later)
    # 14 days by default: on the 12th of March, "later" of 26 February or before is due.
    assert due(session, me) == [
        ("Ripe", "later", date(2026, 3, 6)),
        ("Inbound", "later", date(2026, 3, 11)),
    ]
    assert due(session, colleague) == [("Colleague's", "later", date(2026, 1, 24))]
    assert due(session, me, later_days=7) == [
        ("Ripe", "later", date(2026, 2, 27)),
        ("Inbound", "later", date(2026, 3, 4)),
        ("Green", "later", date(2026, 3, 12)),
    ]
    first = followups.follow_ups_due(session, actor=me).items[0]
    assert first.last_outreach_at == la("2026-02-01 10:00")
    assert first.last_outreach_channel == "inmail"
    assert first.replied_at == la("2026-02-20 23:00")
    second = followups.follow_ups_due(session, actor=me).items[1]
    assert (second.last_outreach_at, second.last_outreach_channel) == (None, None)


def test_deleted_touchpoints_and_candidates_take_no_part(
    session: Session, team: tuple[Team, User, User]
) -> None:
    t, me, _ = team
    deleted_reply = person(session, t, "Deleted reply")
    log(session, me, deleted_reply.id, days_ago(6))
    reply = log(session, me, deleted_reply.id, days_ago(5), kind=Kind.reply)
    deleted_outreach = person(session, t, "Deleted outreach")
    outreach = log(session, me, deleted_outreach.id, days_ago(6))
    gone = person(session, t, "Gone")
    log(session, me, gone.id, days_ago(6))
    assert [name for name, *_ in due(session, me)] == ["Deleted outreach", "Gone"]
    touchpoints.delete_touchpoint(session, actor=me, touchpoint_id=reply.id)
    touchpoints.delete_touchpoint(session, actor=me, touchpoint_id=outreach.id)
    candidates.delete_candidate(session, actor=me, candidate_id=gone.id)
    assert [name for name, *_ in due(session, me)] == ["Deleted reply"]


def test_oldest_first_a_page_at_a_time_and_never_another_teams(
    session: Session, team: tuple[Team, User, User]
) -> None:
    t, me, _ = team
    ages = [9, 4, 30, 5, 12, 4]  # two at the same instant: the earlier logged comes first
    for i, age in enumerate(ages):
        log(session, me, person(session, t, f"P{i}").id, days_ago(age))
    other_team, stranger = make_team(session, time_zone="America/Los_Angeles")
    log(session, stranger, make_candidate(session, team=other_team).id, days_ago(8))
    expected = ["P2", "P4", "P0", "P3", "P1", "P5"]
    assert [name for name, *_ in due(session, me)] == expected
    seen: list[str] = []
    cursor = None
    while True:
        page = followups.follow_ups_due(session, actor=me, limit=2, cursor=cursor)
        seen += [item.name for item in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected
    assert len(due(session, stranger)) == 1


# --- through the API -------------------------------------------------------------------------


def _log(client: httpx.Client, world: World, role: str, **body: Any) -> None:
    actor = getattr(world, role)
    at = body.pop("at")
    answer = client.post(
        "/touchpoints",
        json={"channel": "call", **body, "occurred_at": at.isoformat()},
        headers=actor.headers,
    )
    assert answer.status_code == 201, answer.text


def test_the_api_lists_the_callers_follow_ups(client: httpx.Client, world: World) -> None:
    admin, member = world.admin.headers, world.member.headers
    assert (
        client.patch("/team", json={"time_zone": "America/Los_Angeles"}, headers=admin).status_code
        == 200
    )
    now = datetime.now(UTC)
    waiting = create(client, world.member, name="Waiting", emails=["waiting@example.org"])
    recent = create(client, world.member, name="Recent")
    _log(client, world, "member", candidate_id=waiting["id"], at=now - timedelta(days=5))
    _log(client, world, "member", candidate_id=recent["id"], at=now - timedelta(hours=1))
    answer = client.get("/follow-ups", params={"days": 3}, headers=member)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    five_days_ago = (now - timedelta(days=5)).astimezone(LA).date()
    assert item == {
        "candidate_id": waiting["id"],
        "name": "Waiting",
        "primary_email": "waiting@example.org",
        "reason": "no_reply",
        "last_outreach_at": item["last_outreach_at"],
        "last_outreach_channel": "call",
        "replied_at": None,
        "due_since": (five_days_ago + timedelta(days=3)).isoformat(),
    }
    assert datetime.fromisoformat(item["last_outreach_at"]) == now - timedelta(days=5)
    # Recent is due with days=0; the admin has nothing due; a reply takes Waiting off.
    answer = client.get("/follow-ups", params={"days": 0}, headers=member)
    assert [i["name"] for i in answer.json()["items"]] == ["Waiting", "Recent"]
    assert client.get("/follow-ups", headers=admin).json()["items"] == []
    assert client.get("/follow-ups", headers=world.outsider.headers).json()["items"] == []
    _log(client, world, "admin", candidate_id=waiting["id"], kind="reply", at=now)
    assert client.get("/follow-ups", headers=member).json()["items"] == []


@pytest.mark.parametrize(
    "params",
    [{"days": "-1"}, {"days": "x"}, {"later_days": "3651"}, {"cursor": "not-a-cursor"}],
)
def test_bad_parameters_are_a_422(
    client: httpx.Client, world: World, params: dict[str, str]
) -> None:
    answer = client.get("/follow-ups", params=params, headers=world.member.headers)
    assert_problem(answer, 422, next(iter(params)))
