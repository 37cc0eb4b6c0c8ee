"""A sequence end to end, with real mail (SPEC §9): the API on real HTTP, a worker, and an SMTP
server on loopback that keeps what it receives. The clock is the only thing set by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from reachout.config import Settings
from reachout.db import Database
from reachout.models import SequenceSend, Team
from reachout.sequences.worker import Worker
from tests.factories import World, at, make_candidate, make_project
from tests.sequences.conftest import Clock, SmtpSink

THREE_STAGES: list[dict[str, Any]] = [
    {
        "channel": "email",
        "subject": "{{first_name}}, a role at Acme",
        "body": "Hi {{first_name|there}},\n\nYour work at {{company|your company}} caught my eye."
        "\n\n{{sender_name}}",
    },
    {
        "channel": "email",
        "delay_days": 2,
        "business_days": True,
        "body": "Following up, {{first_name}}.",
    },
    {"channel": "call", "delay_days": 1, "instructions": "Call {{first_name}} about the role"},
]


def worker(db: Database, smtp: SmtpSink, now: Clock) -> Worker:
    settings = Settings(database_url=db.settings.database_url, smtp_url=smtp.url)
    return Worker(db, settings, name="test-worker", now=now)


def setup(
    db: Database, world: World, client: httpx.Client, time_zone: str = "UTC"
) -> dict[str, Any]:
    with db.unit_of_work() as s:
        team = s.get(Team, world.team.id)
        assert team is not None
        team.time_zone = time_zone
        ada = make_candidate(
            s, team=team, name="Ada Lovelace", company="Analytical", emails=["ada@example.org"]
        )
        bob = make_candidate(s, team=team, name="Bob Stone", emails=[])
        cy = make_candidate(s, team=team, name="Cy Young", emails=["cy@example.org"])
        project = make_project(s, team=team, candidates=[ada, bob, cy], name="Backend")
        ids = {"ada": ada.id, "bob": bob.id, "cy": cy.id, "project": project.id}
    created = client.post(
        "/sequences",
        json={"name": "Backend outreach", "stages": THREE_STAGES},
        headers=world.member.headers,
    )
    assert created.status_code == 201, created.text
    ids["sequence"] = created.json()["id"]
    return ids


def touchpoints_of(client: httpx.Client, world: World, candidate_id: int) -> list[dict[str, Any]]:
    answer = client.get(
        "/touchpoints", params={"candidate_id": candidate_id}, headers=world.member.headers
    )
    assert answer.status_code == 200
    return answer.json()["items"]


def test_three_stages_send_thread_and_become_a_task(
    db: Database, world: World, client: httpx.Client, smtp: SmtpSink, fake_clock: Clock
) -> None:
    fake_clock.at = at("2026-03-02 09:00")  # a Monday
    ids = setup(db, world, client)
    enrolled = client.post(
        f"/sequences/{ids['sequence']}/enrollments",
        json={"project_id": ids["project"], "all": True},
        headers=world.member.headers,
    )
    assert enrolled.status_code == 201, enrolled.text
    body = enrolled.json()
    assert body["enrolled"] == 2
    assert body["skipped"] == [{"candidate_id": ids["bob"], "reason": "no_email"}]

    w = worker(db, smtp, fake_clock)
    assert w.run_once() == 2
    [first] = smtp.to("ada@example.org")
    assert first["Subject"] == "Ada, a role at Acme"
    assert first["To"] == "ada@example.org"
    assert world.member.user.email in first["From"]
    assert first["Message-ID"]
    assert first["In-Reply-To"] is None
    text = first.get_payload(decode=True).decode()
    assert "Hi Ada," in text and "Your work at Analytical" in text
    assert world.member.user.name in text
    [cy_mail] = smtp.to("cy@example.org")
    assert "your company" in cy_mail.get_payload(decode=True).decode()

    # Nothing more is due: stage 2 waits two business days.
    assert w.run_once() == 0
    [tp] = touchpoints_of(client, world, ids["ada"])
    assert (tp["kind"], tp["channel"], tp["designation"], tp["source"]) == (
        "outreach",
        "email",
        "initial",
        "sequence",
    )
    assert (tp["sequence_id"], tp["sequence_stage"]) == (ids["sequence"], 1)

    # Cy replies before stage 2: his enrollment stops, and nothing more is sent to him.
    reply = client.post(
        "/touchpoints",
        json={
            "candidate_id": ids["cy"],
            "kind": "reply",
            "channel": "email",
            "reply_status": "interested",
        },
        headers=world.member.headers,
    )
    assert reply.status_code == 201
    [cy_enrollment] = client.get(
        f"/sequences/{ids['sequence']}/enrollments",
        params={"candidate_id": ids["cy"]},
        headers=world.member.headers,
    ).json()["items"]
    assert cy_enrollment["status"] == "replied"
    assert cy_enrollment["next_stage"] is None

    fake_clock.at = at("2026-03-04 09:00")  # Wednesday: two business days on
    assert w.run_once() == 1
    [_, second] = smtp.to("ada@example.org")
    assert second["Subject"] == "Re: Ada, a role at Acme"
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"] == first["Message-ID"]
    assert len(smtp.to("cy@example.org")) == 1
    tps = touchpoints_of(client, world, ids["ada"])
    assert [(t["designation"], t["sequence_stage"]) for t in tps] == [
        ("initial", 1),
        ("follow_up", 2),
    ]

    # Stage 3 is a call: a task for the sender, due a day later.
    assert client.get("/tasks", headers=world.member.headers).json()["items"] == []
    fake_clock.at = at("2026-03-05 09:00")
    [task] = client.get("/tasks", headers=world.member.headers).json()["items"]
    assert (task["candidate_id"], task["channel"], task["stage"]) == (ids["ada"], "call", 3)
    assert task["instructions"] == "Call {{first_name}} about the role"
    done = client.post(
        f"/tasks/{task['id']}/complete",
        json={"note": "Left a voicemail"},
        headers=world.member.headers,
    )
    assert done.status_code == 201, done.text
    assert (done.json()["channel"], done.json()["designation"]) == ("call", "follow_up")
    assert done.json()["sequence_stage"] == 3
    [ada_enrollment] = client.get(
        f"/sequences/{ids['sequence']}/enrollments",
        params={"candidate_id": ids["ada"]},
        headers=world.member.headers,
    ).json()["items"]
    assert ada_enrollment["status"] == "finished"
    figures = client.get(f"/sequences/{ids['sequence']}", headers=world.member.headers).json()[
        "figures"
    ]
    assert figures == {"enrolled": 2, "active": 0, "sent": 3, "replied": 1, "interested": 1}


def test_email_waits_for_sending_hours_business_days_and_holidays(
    db: Database, world: World, client: httpx.Client, smtp: SmtpSink, fake_clock: Clock
) -> None:
    # Friday 2026-03-06, 17:30 in New York (EST, UTC-5); DST starts on Sunday 2026-03-08.
    fake_clock.at = at("2026-03-06 22:30")
    ids = setup(db, world, client, time_zone="America/New_York")
    patched = client.patch(
        "/team",
        json={
            "holidays": ["2026-03-10"],
            "sending_hours": {
                "days": ["mon", "tue", "wed", "thu", "fri"],
                "start": "09:00",
                "end": "17:00",
            },
        },
        headers=world.admin.headers,
    )
    assert patched.status_code == 200, patched.text
    enrolled = client.post(
        f"/sequences/{ids['sequence']}/enrollments",
        json={"candidate_ids": [ids["ada"]]},
        headers=world.member.headers,
    ).json()
    enrollment = client.get(
        f"/enrollments/{enrolled['enrollment_ids'][0]}", headers=world.member.headers
    ).json()
    # After hours on Friday: Monday 09:00 in New York, now EDT (UTC-4).
    assert enrollment["next_due_at"].startswith("2026-03-09T13:00:00")
    w = worker(db, smtp, fake_clock)
    assert w.run_once() == 0
    fake_clock.at = at("2026-03-09 13:00")
    assert w.run_once() == 1
    enrollment = client.get(f"/enrollments/{enrollment['id']}", headers=world.member.headers).json()
    # Two business days after Monday 09:00, Tuesday being a holiday: Thursday 09:00.
    assert enrollment["next_due_at"].startswith("2026-03-12T13:00:00")


def test_a_temporary_refusal_is_retried_and_a_permanent_one_fails(
    db: Database, world: World, client: httpx.Client, smtp: SmtpSink, fake_clock: Clock
) -> None:
    fake_clock.at = at("2026-03-02 09:00")
    ids = setup(db, world, client)
    client.post(
        f"/sequences/{ids['sequence']}/enrollments",
        json={"candidate_ids": [ids["ada"]]},
        headers=world.member.headers,
    )
    smtp.refusals = ["451 4.3.0 try again later"]
    w = worker(db, smtp, fake_clock)
    assert w.run_once() == 1
    assert smtp.received == []
    [enrollment] = client.get(
        f"/sequences/{ids['sequence']}/enrollments", headers=world.member.headers
    ).json()["items"]
    assert enrollment["status"] == "active"
    assert "451" in enrollment["held_reason"]
    assert w.run_once() == 0  # Not before its backoff.
    fake_clock.at += timedelta(minutes=2)
    assert w.run_once() == 1
    [mail] = smtp.to("ada@example.org")
    with db.unit_of_work() as s:
        [send] = s.scalars(select(SequenceSend)).all()
        assert (send.status, send.attempts, send.message_id) == ("sent", 2, mail["Message-ID"])
    assert len(touchpoints_of(client, world, ids["ada"])) == 1

    # Stage 2 is refused for good: the enrollment fails with the server's reason.
    smtp.refusals = ["550 5.1.1 mailbox unavailable"]
    fake_clock.at = at("2026-03-04 09:02")  # Two business days after the first mail went
    assert w.run_once() == 1
    [enrollment] = client.get(
        f"/sequences/{ids['sequence']}/enrollments", headers=world.member.headers
    ).json()["items"]
    assert enrollment["status"] == "failed"
    assert "550" in enrollment["status_reason"]
    assert len(touchpoints_of(client, world, ids["ada"])) == 1


def test_a_token_without_a_value_holds_the_send(
    db: Database, world: World, client: httpx.Client, smtp: SmtpSink, fake_clock: Clock
) -> None:
    fake_clock.at = at("2026-03-02 09:00")
    ids = setup(db, world, client)
    created = client.post(
        "/sequences",
        json={
            "name": "Needs company",
            "stages": [{"channel": "email", "subject": "Hi", "body": "About {{company}}"}],
        },
        headers=world.member.headers,
    ).json()
    client.post(
        f"/sequences/{created['id']}/enrollments",
        json={"candidate_ids": [ids["cy"]]},
        headers=world.member.headers,
    )
    w = worker(db, smtp, fake_clock)
    assert w.run_once() == 1
    assert smtp.received == []
    [enrollment] = client.get(
        f"/sequences/{created['id']}/enrollments", headers=world.member.headers
    ).json()["items"]
    assert enrollment["status"] == "active"
    assert "{{company}}" in enrollment["held_reason"]


def test_templates_and_stages_are_checked_on_save(world: World, client: httpx.Client) -> None:
    unknown = client.post(
        "/sequences",
        json={
            "name": "X",
            "stages": [{"channel": "email", "subject": "Hi {{nickname}}", "body": "x"}],
        },
        headers=world.member.headers,
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "stages.0.subject"
    assert "nickname" in unknown.json()["errors"][0]["message"]
    no_subject = client.post(
        "/sequences",
        json={
            "name": "X",
            "stages": [
                {"channel": "call", "instructions": "call"},
                {"channel": "email", "body": "x"},
            ],
        },
        headers=world.member.headers,
    )
    assert no_subject.status_code == 422
    assert no_subject.json()["errors"][0]["field"] == "stages.1.subject"
    too_many = client.post(
        "/sequences",
        json={"name": "X", "stages": [{"channel": "call"}] * 11},
        headers=world.member.headers,
    )
    assert too_many.status_code == 422


def test_the_daily_cap_holds_the_rest_until_the_next_day(
    db: Database, world: World, client: httpx.Client, smtp: SmtpSink, fake_clock: Clock
) -> None:
    fake_clock.at = at("2026-03-02 09:00")
    ids = setup(db, world, client)
    assert client.patch("/team", json={"daily_send_cap": 1}, headers=world.admin.headers).is_success
    client.post(
        f"/sequences/{ids['sequence']}/enrollments",
        json={"candidate_ids": [ids["ada"], ids["cy"]]},
        headers=world.member.headers,
    )
    w = worker(db, smtp, fake_clock)
    assert w.run_once() == 2  # One sent, one held.
    assert len(smtp.received) == 1
    held = [
        e
        for e in client.get(
            f"/sequences/{ids['sequence']}/enrollments", headers=world.member.headers
        ).json()["items"]
        if e["held_reason"]
    ]
    assert len(held) == 1 and "daily cap of 1" in held[0]["held_reason"]
    assert held[0]["next_due_at"].startswith("2026-03-03T08:00:00")
    fake_clock.at = at("2026-03-03 08:00")
    assert w.run_once() == 1
    assert len(smtp.received) == 2


def test_mail_due_outside_new_sending_hours_waits_for_them(
    db: Database, world: World, client: httpx.Client, smtp: SmtpSink, fake_clock: Clock
) -> None:
    fake_clock.at = at("2026-03-02 09:00")  # Monday, inside the default 08:00-18:00
    ids = setup(db, world, client)
    client.post(
        f"/sequences/{ids['sequence']}/enrollments",
        json={"candidate_ids": [ids["ada"]]},
        headers=world.member.headers,
    )
    # The admin narrows the hours after the mail was timed: it is not sent before 10:00.
    hours = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "10:00", "end": "12:00"}
    assert client.patch(
        "/team", json={"sending_hours": hours}, headers=world.admin.headers
    ).is_success
    w = worker(db, smtp, fake_clock)
    w.run_once()
    assert smtp.received == []
    [enrollment] = client.get(
        f"/sequences/{ids['sequence']}/enrollments", headers=world.member.headers
    ).json()["items"]
    assert enrollment["next_due_at"].startswith("2026-03-02T10:00:00")
    fake_clock.at = at("2026-03-02 10:00")
    assert w.run_once() == 1
    assert len(smtp.received) == 1
