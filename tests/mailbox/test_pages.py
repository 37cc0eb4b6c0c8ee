"""The mailbox on the pages, over real HTTP as a browser sends them: the Settings page's Mailbox
section (save, the password never in the page, Test connection against a real IMAP server,
disconnect), a reply's suggested status confirmed or changed in one click, and bounced
addresses on the profile. The one-click confirm in a browser is tests/web/test_mailbox.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from reachout.db import Database
from reachout.models import CandidateEmail, Mailbox, Team, Touchpoint, User
from reachout.models.enums import Channel, ReplyStatus
from reachout.sequences import service as sequences
from reachout.sequences.schemas import SequenceCreate, StageIn
from reachout.web.session import CSRF_HEADER
from tests.conftest import LiveServer
from tests.factories import World, make_candidate, make_project, make_user
from tests.mailbox.conftest import ImapServer
from tests.mailbox.helpers import mailbox_reply
from tests.security.conftest import WebClient

HTMX = {"HX-Request": "true"}


@pytest.fixture
def member_web(live_server: LiveServer, world: World) -> Iterator[WebClient]:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        web = WebClient(http)
        web.sign_in(world.member.user.email)
        yield web


def post(
    web: WebClient, path: str, form: dict[str, Any] | None = None, *, htmx: bool = False
) -> httpx.Response:
    headers = {CSRF_HEADER: web.csrf("/settings"), **(HTMX if htmx else {})}
    return web.http.post(path, data=form or {}, headers=headers)


def the_mailbox(db: Database, user_id: int) -> Mailbox | None:
    with db.unit_of_work() as s:
        return s.scalars(select(Mailbox).where(Mailbox.user_id == user_id)).one_or_none()


def test_the_mailbox_section_saves_tests_and_disconnects(
    db: Database, world: World, member_web: WebClient, imap_server: ImapServer
) -> None:
    page = member_web.http.get("/settings").text
    assert "No mailbox connected" in page and "/settings/mailbox/test" not in page

    wrong = "wrong-Pass-71x"
    form = {**imap_server.settings(password=wrong), "port": str(imap_server.port)}
    assert post(member_web, "/settings/mailbox", form).status_code == 303
    page = member_web.http.get("/settings").text
    assert "Waiting for the first reading." in page
    assert 'value="127.0.0.1"' in page and "Leave it blank to keep the stored one" in page
    assert wrong not in page

    # Test connection (htmx): the section's status comes back with the result.
    tested = post(member_web, "/settings/mailbox/test", htmx=True)
    assert tested.status_code == 200
    assert tested.text.lstrip().startswith('<div id="mailbox-state"')
    assert re.search(r'role="alert">Test connection failed: [^<]*refused the login', tested.text)
    assert wrong not in tested.text
    stored = the_mailbox(db, world.member.id)
    assert stored is not None and stored.status == "error"
    page = member_web.http.get("/settings").text
    assert re.search(r'role="alert">The mailbox could not be read: [^<]*refused the login', page)

    # The right password; then saved again with the password left blank, which keeps it.
    form["password"] = imap_server.settings()["password"]
    assert post(member_web, "/settings/mailbox", form).status_code == 303
    assert post(member_web, "/settings/mailbox", {**form, "password": ""}).status_code == 303
    tested = post(member_web, "/settings/mailbox/test", htmx=True)
    assert "Test connection: Connected: INBOX holds 0 messages." in tested.text
    assert "Connected; waiting for the first reading." in tested.text
    # Without htmx, the whole page comes back with the result in its place.
    whole = post(member_web, "/settings/mailbox/test")
    assert whole.status_code == 200 and "<h1>Settings</h1>" in whole.text
    assert "Test connection: Connected" in whole.text
    assert form["password"] not in whole.text

    # Read by a worker: when, in the team's time zone.
    with db.unit_of_work() as s:
        team = s.get(Team, world.team.id)
        assert team is not None
        team.time_zone = "Europe/Paris"
        mailbox = s.scalars(select(Mailbox)).one()
        mailbox.last_polled_at = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
    page = member_web.http.get("/settings").text
    assert re.search(
        r"Connected, last read <time [^>]*>Mar 2, 2026 15:05</time> \(Europe/Paris\)", page
    )

    assert post(member_web, "/settings/mailbox/delete").status_code == 303
    assert the_mailbox(db, world.member.id) is None
    assert "No mailbox connected" in member_web.http.get("/settings").text
    # Twice (another tab): done already, not an error.
    assert post(member_web, "/settings/mailbox/delete").status_code == 303


def test_a_mistake_in_the_mailbox_form_is_shown_on_its_field_and_the_password_is_not(
    db: Database, world: World, member_web: WebClient
) -> None:
    typed = "typed-Secret-5q"
    form = {"host": "imap.example.com", "port": "imap", "tls": "tls", "username": "me"}
    refused = post(member_web, "/settings/mailbox", {**form, "password": typed})
    assert refused.status_code == 422
    assert re.search(r'id="mailbox-port-error">must be a number', refused.text)
    assert re.search(r'id="mailbox-port"[^>]*aria-invalid="true"', refused.text)
    assert 'value="imap.example.com"' in refused.text and typed not in refused.text

    # A first connection needs the password.
    refused = post(member_web, "/settings/mailbox", {**form, "port": "993"})
    assert refused.status_code == 422
    assert re.search(r'id="mailbox-password-error">enter', refused.text)
    assert the_mailbox(db, world.member.id) is None

    # Another server with the stored password: refused, it must be typed again.
    saved = post(member_web, "/settings/mailbox", {**form, "port": "993", "password": typed})
    assert saved.status_code == 303
    moved = {**form, "port": "993", "host": "imap.elsewhere.example"}
    refused = post(member_web, "/settings/mailbox", moved)
    assert refused.status_code == 422 and "enter the password again" in refused.text
    stored = the_mailbox(db, world.member.id)
    assert stored is not None and stored.host == "imap.example.com"


def test_a_suggested_reply_status_is_confirmed_or_changed_in_one_click(
    db: Database, live_server: LiveServer, world: World, member_web: WebClient
) -> None:
    at = datetime.now(UTC) - timedelta(hours=2)
    with db.unit_of_work() as s:
        member = s.get(User, world.member.id)
        assert member is not None
        candidate = make_candidate(s, team=member.team, name="Ada Lovelace")
        text = "Sounds great, happy to chat! <script>alert('reply')</script>"
        replies = [
            mailbox_reply(
                s,
                db.settings,
                member,
                candidate_id=candidate.id,
                text=text,
                status=ReplyStatus.interested,
                because=["happy to chat"],
                at=at,
            ),
            mailbox_reply(
                s,
                db.settings,
                member,
                candidate_id=candidate.id,
                text="Thanks for your mail.",
                status=None,
                because=[],
                at=at + timedelta(minutes=1),
            ),
        ]
        ids = [r.id for r in replies]
        bystander = make_user(s, team=member.team)
    profile = f"/candidates/{candidate.id}"
    page = member_web.http.get(profile).text
    entry = _entry(page, ids[0])
    assert 'Reply · Interested · <span class="suggested">suggested</span>' in entry
    assert "Suggested because the reply says “happy to chat”." in entry
    assert f"From the mailbox of {world.member.user.name}" in entry
    # The reply's own text, as text: its markup escaped.
    assert "happy to chat! &lt;script&gt;alert(&#39;reply&#39;)&lt;/script&gt;" in entry
    assert "<script>alert" not in page
    assert re.search(r'value="interested">Confirm<span class="sr-only"> Interested', entry)
    assert "Nothing in the reply suggested a status." in _entry(page, ids[1])

    # Confirm: the same status, now the user's.
    answer = post(
        member_web, f"/touchpoints/{ids[0]}/reply-status", {"reply_status": "interested"}, htmx=True
    )
    assert answer.status_code == 200
    assert "Reply status confirmed: Interested." in answer.text
    assert "suggested" not in _entry(answer.text, ids[0])
    # Or another status; or, where none was suggested, none confirmed.
    answer = post(
        member_web, f"/touchpoints/{ids[1]}/reply-status", {"reply_status": "later"}, htmx=True
    )
    assert "Reply status set: Follow up later." in answer.text
    with db.unit_of_work() as s:
        rows = {t.id: t for t in s.scalars(select(Touchpoint).where(Touchpoint.id.in_(ids)))}
        assert (rows[ids[0]].reply_status, rows[ids[0]].reply_status_suggested) == (
            "interested",
            False,
        )
        assert (rows[ids[1]].reply_status, rows[ids[1]].reply_status_suggested) == ("later", False)

    # Not theirs to change: another member sees the suggestion, not the buttons.
    with db.unit_of_work() as s:
        member = s.get(User, world.member.id)
        assert member is not None
        reply = mailbox_reply(
            s,
            db.settings,
            member,
            candidate_id=candidate.id,
            text="Maybe next year.",
            status=ReplyStatus.later,
            because=["next year"],
            at=at + timedelta(minutes=2),
        )
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        other = WebClient(http)
        other.sign_in(bystander.email)
        entry = _entry(other.http.get(profile).text, reply.id)
        assert "suggested" in entry and "Confirm" not in entry
        refused = post(other, f"/touchpoints/{reply.id}/reply-status", {"reply_status": "later"})
        assert refused.status_code == 403


def _entry(page: str, touchpoint_id: int) -> str:
    found = re.search(
        rf'<li class="entry [^"]*" id="touchpoint-{touchpoint_id}".*?</li>', page, re.S
    )
    assert found, f"no entry {touchpoint_id}"
    return found.group(0)


def test_bounced_addresses_are_marked_and_say_why_sequences_skip_the_candidate(
    db: Database, world: World, member_web: WebClient
) -> None:
    with db.unit_of_work() as s:
        member = s.get(User, world.member.id)
        assert member is not None
        ada = make_candidate(
            s, team=member.team, name="Ada Lovelace", emails=["ada@old.example", "ada@new.example"]
        )
        project = make_project(s, team=member.team, candidates=[ada])
        first = s.scalars(
            select(CandidateEmail).where(
                CandidateEmail.candidate_id == ada.id, CandidateEmail.position == 0
            )
        ).one()
        first.bounced_at = datetime.now(UTC)
        email_first = StageIn(channel=Channel.email, subject="Hi {{first_name}}", body="Hello")
        sequence = sequences.create_sequence(
            s, actor=member, data=SequenceCreate(name="Emails", stages=[email_first])
        )
    page = member_web.http.get(f"/candidates/{ada.id}").text
    assert 'old.example <span class="bounced">bounced</span>' in page
    assert 'new.example <span class="bounced">' not in page
    assert "Sequences send to the first address that has not bounced." in page

    with db.unit_of_work() as s:
        for email in s.scalars(select(CandidateEmail)):
            email.bounced_at = email.bounced_at or datetime.now(UTC)
    page = member_web.http.get(f"/candidates/{ada.id}").text
    assert (
        "Mail to every address bounced: sequences that start with an email skip Ada Lovelace"
        in page
    )
    form = {"sequence_id": str(sequence.id), "all": "true", "start_at": ""}
    answer = post(member_web, f"/projects/{project.id}/add-to-sequence", form, htmx=True)
    assert "0 enrolled; 1 skipped: 1 whose every email address bounced." in answer.text
