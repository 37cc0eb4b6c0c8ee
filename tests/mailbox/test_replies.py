"""Replies read from the mailbox (SPEC §10), end to end: sequences send real mail to an SMTP
server on loopback, messages are delivered to a real IMAP server by IMAP APPEND, and the worker
reads them. Only the clock is set by hand."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from reachout.config import Settings
from reachout.db import Database
from reachout.mailbox import poller
from reachout.models import MailboxMessage, Team, Touchpoint
from reachout.sequences.worker import Worker
from tests.factories import World, make_candidate
from tests.mailbox.conftest import ImapServer
from tests.mailbox.samples import POSTFIX_DSN, SENT_ID
from tests.sequences.conftest import Clock, SmtpSink

STAGES = [
    {"channel": "email", "subject": "A role for you, {{first_name}}", "body": "Hi {{first_name}}"},
    {"channel": "email", "delay_days": 2, "body": "Following up, {{first_name}}"},
]
NAMES = ("ada", "bob", "cy", "dee", "eve", "fay")


def make_worker(db: Database, smtp: SmtpSink, clock: Clock, name: str = "w1") -> Worker:
    settings = Settings(
        database_url=db.settings.database_url, smtp_url=smtp.url, mailbox_poll_seconds=0.001
    )
    return Worker(db, settings, name=name, now=clock)


def api(client: httpx.Client, method: str, url: str, world: World, **kw: Any) -> Any:
    answer = client.request(method, url, headers=world.member.headers, **kw)
    assert answer.is_success, answer.text
    return answer.json() if answer.content else None


def start(
    db: Database, world: World, client: httpx.Client, imap: ImapServer, clock: Clock
) -> tuple[dict[str, int], dict[str, int]]:
    """Six candidates enrolled and sent stage 1; the member's mailbox connected."""
    with db.unit_of_work() as s:
        team = s.get(Team, world.team.id)
        assert team is not None
        team.sending_days, team.sending_start, team.sending_end = (
            "mon,tue,wed,thu,fri,sat,sun",
            "00:00",
            "24:00",
        )
        ids = {
            n: make_candidate(
                s, team=team, name=f"{n.title()} Example", emails=[f"{n}@example.org"]
            ).id
            for n in NAMES
        }
    mailbox = api(client, "PUT", "/me/mailbox", world, json=imap.settings())
    assert mailbox["status"] == "pending" and "password" not in mailbox
    sequence = api(client, "POST", "/sequences", world, json={"name": "Hello", "stages": STAGES})
    enrolled = api(
        client,
        "POST",
        f"/sequences/{sequence['id']}/enrollments",
        world,
        json={"candidate_ids": list(ids.values())},
    )
    enrollments = dict(zip(NAMES, enrolled["enrollment_ids"], strict=True))
    return ids, enrollments


def mail(sender: str, *, subject: str, text: str, clock: Clock, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "recruiter@acme.test"
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.at)
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message


def bounce(recipient: str, original_id: str, clock: Clock) -> bytes:
    """Postfix's delivery-status report (tests/mailbox/samples.py) for our mail to `recipient`."""
    raw = POSTFIX_DSN.replace(samples_id(), original_id.encode())
    for spelling in (b"Jane.Doe@example.org", b"jane.doe@example.org"):
        raw = raw.replace(spelling, recipient.encode())
    return raw.replace(b"Tue,  4 Mar 2025 10:15:02 +0000 (UTC)", format_datetime(clock.at).encode())


def samples_id() -> bytes:
    return SENT_ID.encode()


def enrollment(client: httpx.Client, world: World, enrollment_id: int) -> dict[str, Any]:
    return api(client, "GET", f"/enrollments/{enrollment_id}", world)  # type: ignore[no-any-return]


def test_each_message_gives_exactly_its_result(
    db: Database,
    world: World,
    client: httpx.Client,
    smtp: SmtpSink,
    imap_server: ImapServer,
    fake_clock: Clock,
) -> None:
    fake_clock.at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    ids, enrolled = start(db, world, client, imap_server, fake_clock)
    worker = make_worker(db, smtp, fake_clock)
    assert worker.run_once() == len(NAMES)
    sent = {n: smtp.to(f"{n}@example.org")[0]["Message-ID"] for n in NAMES}
    fake_clock.at += timedelta(hours=1)

    # Ada replies in the thread; Bob from his address with no threading headers.
    ada = mail(
        "Ada <ada@example.org>",
        subject="Re: A role for you, Ada",
        clock=fake_clock,
        text="Sounds interesting! Happy to chat on Thursday.\n\nOn Mon, Recruiter wrote:\n> Hi Ada",
        In_Reply_To=sent["ada"],
        References=sent["ada"],
        Message_ID="<ada-reply@example.org>",
    )
    imap_server.append(ada, at=fake_clock.at)
    imap_server.append(
        mail(
            "bob@example.org",
            subject="hello",
            clock=fake_clock,
            text="Not interested, thanks. I'm happy where I am.",
        ),
        at=fake_clock.at,
    )
    # Cy is out of office (threaded): counted, and his enrollment goes on.
    imap_server.append(
        mail(
            "cy@example.org",
            subject="Automatic reply: A role for you, Cy",
            clock=fake_clock,
            text="I am out of the office until Monday.",
            In_Reply_To=sent["cy"],
            Auto_Submitted="auto-replied",
        ),
        at=fake_clock.at,
    )
    # Dee's address bounces.
    imap_server.append(bounce("dee@example.org", sent["dee"], fake_clock), at=fake_clock.at)
    # Mail from a stranger, and Ada's reply a second time (a copy).
    imap_server.append(
        mail(
            "someone@elsewhere.test",
            subject="Lunch?",
            clock=fake_clock,
            text="Are you free for lunch?",
        ),
        at=fake_clock.at,
    )
    imap_server.append(ada, at=fake_clock.at)

    # Stage 2 is due when Eve's reply arrives: it is read before anything is sent.
    fake_clock.at += timedelta(days=2, hours=1)
    imap_server.append(
        mail(
            "eve@example.org",
            subject="Re: A role for you, Eve",
            clock=fake_clock,
            text="Can you check back in a few months?",
            In_Reply_To=sent["eve"],
        ),
        at=fake_clock.at,
    )
    assert worker.run_once() == 2  # Stage 2 for Cy and Fay only.
    assert {r.recipients[0] for r in smtp.received[len(NAMES) :]} == {
        "cy@example.org",
        "fay@example.org",
    }

    statuses = {n: enrollment(client, world, enrolled[n])["status"] for n in NAMES}
    assert statuses == {
        "ada": "replied",
        "bob": "replied",
        "cy": "finished",
        "dee": "bounced",
        "eve": "replied",
        "fay": "finished",
    }
    cy = enrollment(client, world, enrolled["cy"])
    assert cy["auto_replies"] == 1 and cy["last_auto_reply_at"] is not None

    replies = {
        n: [
            t
            for t in api(client, "GET", "/touchpoints", world, params={"candidate_id": ids[n]})[
                "items"
            ]
            if t["kind"] == "reply"
        ]
        for n in NAMES
    }
    assert {n: len(r) for n, r in replies.items()} == {
        "ada": 1,
        "bob": 1,
        "cy": 0,
        "dee": 0,
        "eve": 1,
        "fay": 0,
    }
    [ada_reply] = replies["ada"]
    assert (ada_reply["channel"], ada_reply["source"], ada_reply["user_id"]) == (
        "email",
        "mailbox",
        world.member.id,
    )
    assert (ada_reply["reply_status"], ada_reply["reply_status_suggested"]) == ("interested", True)
    assert ada_reply["note"] == "Sounds interesting! Happy to chat on Thursday."
    assert replies["bob"][0]["reply_status"] == "not_interested"
    assert replies["eve"][0]["reply_status"] == "later"

    # A user confirms a suggestion by setting the status: it is no longer suggested.
    set_status = api(
        client,
        "PATCH",
        f"/touchpoints/{ada_reply['id']}",
        world,
        json={"reply_status": "interested"},
    )
    assert set_status["reply_status_suggested"] is False

    dee = api(client, "GET", f"/candidates/{ids['dee']}", world)
    assert dee["bounced_emails"] == ["dee@example.org"]
    with db.unit_of_work() as s:
        outcomes = dict(
            s.execute(
                select(MailboxMessage.outcome, func.count()).group_by(MailboxMessage.outcome)
            ).all()
        )
    assert outcomes == {"reply": 3, "auto_reply": 1, "bounce": 1, "unmatched": 1}
    mailbox = api(client, "GET", "/me/mailbox", world)
    assert mailbox["status"] == "ok" and mailbox["last_error"] is None


def test_two_workers_reading_one_mailbox_take_each_message_once(
    db: Database,
    world: World,
    client: httpx.Client,
    smtp: SmtpSink,
    imap_server: ImapServer,
    fake_clock: Clock,
) -> None:
    fake_clock.at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    ids, enrolled = start(db, world, client, imap_server, fake_clock)
    first = make_worker(db, smtp, fake_clock, "w1")
    assert first.run_once() == len(NAMES)
    sent = {n: smtp.to(f"{n}@example.org")[0]["Message-ID"] for n in NAMES}
    fake_clock.at += timedelta(minutes=30)
    for n in NAMES:
        imap_server.append(
            mail(
                f"{n}@example.org",
                subject="Re: hi",
                clock=fake_clock,
                text="Let's talk.",
                In_Reply_To=sent[n],
            ),
            at=fake_clock.at,
        )
    with db.unit_of_work() as s:
        from reachout.models import Mailbox

        mailbox_id = s.scalars(select(Mailbox.id)).one()
    # Both read the mailbox at once, past the claim that keeps workers apart: what keeps the
    # messages from being taken twice is their key.
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            barrier.wait()
            poller.poll(db, first.settings, mailbox_id=mailbox_id, at=fake_clock.at)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with db.unit_of_work() as s:
        counts = s.execute(
            select(Touchpoint.candidate_id, func.count())
            .where(Touchpoint.kind == "reply", Touchpoint.deleted_at.is_(None))
            .group_by(Touchpoint.candidate_id)
        ).all()
    assert sorted(counts) == sorted((ids[n], 1) for n in NAMES)
    assert {enrollment(client, world, enrolled[n])["status"] for n in NAMES} == {"replied"}


def test_a_refused_login_or_a_server_down_shows_and_loses_nothing(
    db: Database,
    world: World,
    client: httpx.Client,
    smtp: SmtpSink,
    imap_server: ImapServer,
    fake_clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_clock.at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    _, enrolled = start(db, world, client, imap_server, fake_clock)
    worker = make_worker(db, smtp, fake_clock)
    worker.run_once()
    sent = smtp.to("ada@example.org")[0]["Message-ID"]
    api(client, "PUT", "/me/mailbox", world, json=imap_server.settings(password="wrong"))
    caplog.set_level(logging.WARNING, logger="reachout.mailbox")
    fake_clock.at += timedelta(minutes=5)
    worker.run_once()
    mailbox = api(client, "GET", "/me/mailbox", world)
    assert mailbox["status"] == "error" and "refused the login" in mailbox["last_error"]
    assert "refused the login" in caplog.text
    assert "wrong" not in caplog.text and "wrong" not in mailbox["last_error"]
    tested = api(client, "POST", "/me/mailbox/test", world)
    assert tested["ok"] is False

    # The server goes down; a reply waits in the INBOX meanwhile and is read once it is back.
    api(client, "PUT", "/me/mailbox", world, json=imap_server.settings())
    imap_server.append(
        mail(
            "ada@example.org",
            subject="Re",
            clock=fake_clock,
            text="Yes, let's talk",
            In_Reply_To=sent,
        ),
        at=fake_clock.at,
    )
    port = imap_server.port
    imap_server.stop()
    fake_clock.at += timedelta(minutes=5)
    worker.run_once()
    mailbox = api(client, "GET", "/me/mailbox", world)
    assert mailbox["status"] == "error" and "cannot reach" in mailbox["last_error"]
    assert enrollment(client, world, enrolled["ada"])["status"] == "active"
    # Back (a new server on the same port: the in-memory INBOX starts empty, so the reply is
    # delivered again, as the real server would have kept it).
    imap_server.port = port
    imap_server.start()
    imap_server.append(
        mail(
            "ada@example.org",
            subject="Re",
            clock=fake_clock,
            text="Yes, let's talk",
            In_Reply_To=sent,
        ),
        at=fake_clock.at,
    )
    fake_clock.at += timedelta(minutes=5)
    worker.run_once()
    assert api(client, "GET", "/me/mailbox", world)["status"] == "ok"
    assert enrollment(client, world, enrolled["ada"])["status"] == "replied"
