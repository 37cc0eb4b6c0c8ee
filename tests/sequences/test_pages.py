"""The sequence pages over real HTTP, as a browser sends them (the session cookie, the CSRF
token), without one: what a mistake looks like on the editor, the preview's holds, another
team's sequence, Pause / Resume / Stop, Add to sequence's count of skips, and Skip on Tasks.
The whole flow in a browser is tests/web/test_sequences.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from reachout.db import Database
from reachout.models import Enrollment, SequenceTask, Team, User
from reachout.models.enums import Channel
from reachout.sequences import enrollments
from reachout.sequences import service as sequences
from reachout.sequences.schemas import EnrollmentCreate, SequenceCreate, StageIn
from reachout.web.session import CSRF_HEADER
from tests.conftest import LiveServer
from tests.factories import World, at, make_candidate, make_project
from tests.security.conftest import WebClient
from tests.sequences.conftest import Clock

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
    headers = {CSRF_HEADER: web.csrf("/sequences"), **(HTMX if htmx else {})}
    return web.http.post(path, data=form or {}, headers=headers)


def make_sequence(db: Database, user_id: int, *stages: StageIn, name: str = "Outreach") -> int:
    with db.unit_of_work() as s:
        user = s.get(User, user_id)
        assert user is not None
        data = SequenceCreate(name=name, stages=list(stages))
        return sequences.create_sequence(s, actor=user, data=data).id


CALL = StageIn(channel=Channel.call, instructions="Call {{first_name}} about {{project_name}}")
EMAIL = StageIn(channel=Channel.email, delay_days=2, subject="Hi {{first_name}}", body="Hello")


def test_a_mistake_in_a_stage_is_shown_on_its_field_and_nothing_is_saved(
    db: Database, member_web: WebClient
) -> None:
    form = {
        "name": "Backend outreach",
        "channel": ["email", "email", "call"],
        "delay_days": ["0", "2", "1"],
        "subject": ["Hi {{nickname}}", "", ""],
        "body": ["Hello {{first_name}}", "Following up", ""],
        "instructions": ["", "", "Call them"],
        "business_days": ["1"],
    }
    answer = post(member_web, "/sequences/new", form)
    assert answer.status_code == 422
    page = answer.text
    # Each message sits under the field it is about, which is marked invalid.
    subject_error = re.search(r'<p class="error" id="stage-0-subject-error">([^<]*)</p>', page)
    assert subject_error, page
    assert "unknown token {{nickname}}" in subject_error.group(1)
    assert re.search(r'id="stage-0-subject"[^>]*aria-invalid="true"', page, re.S)
    # What was typed is kept, the business days box of stage 2 included.
    assert 'value="Hi {{nickname}}"' in page
    assert re.search(r'id="stage-1-business"[^>]*value="1" checked', page)
    with db.unit_of_work() as s:
        assert s.scalars(select(Enrollment)).first() is None
    assert "Backend outreach" not in member_web.http.get("/sequences").text

    form["delay_days"] = ["0", "two", "1"]
    answer = post(member_web, "/sequences/new", form)
    assert answer.status_code == 422
    assert re.search(r'id="stage-1-delay-error">[^<]*integer', answer.text)

    form["subject"] = ["", "", ""]
    form["delay_days"] = ["0", "2", "1"]
    answer = post(member_web, "/sequences/new", form)
    assert answer.status_code == 422
    assert re.search(
        r'id="stage-0-subject-error">the first email stage needs a subject<', answer.text
    )

    form["subject"] = ["Hi {{first_name|there}}", "", ""]
    saved = post(member_web, "/sequences/new", form)
    assert saved.status_code == 303, saved.text
    shown = member_web.http.get(saved.headers["location"]).text
    assert "Backend outreach" in shown and "replies in the same thread" in shown
    assert "Email, 2 business days later" in shown


def test_the_editor_adds_moves_and_removes_stages_without_saving(member_web: WebClient) -> None:
    form = {
        "name": "Draft",
        "channel": ["email"],
        "delay_days": ["0"],
        "subject": ["First"],
        "body": ["One"],
        "instructions": [""],
        "edit": "add",
    }
    added = post(member_web, "/sequences/new", form, htmx=True)
    assert added.status_code == 200
    assert "Stage 2" in added.text and 'id="stage-1-subject"' in added.text
    form.update(
        channel=["email", "call"],
        delay_days=["0", "1"],
        subject=["First", ""],
        body=["One", ""],
        instructions=["", "Call"],
        edit="up:1",
    )
    moved = post(member_web, "/sequences/new", form, htmx=True)
    # The call is stage 1 now: its instructions are shown, the email's fields hidden.
    assert re.search(r'id="stage-0-channel"[^>]*>.*?value="call" selected', moved.text, re.S)
    form["edit"] = "remove:0"
    removed = post(member_web, "/sequences/new", form, htmx=True)
    assert "Stage 2" not in removed.text
    assert "Draft" not in member_web.http.get("/sequences").text


def test_the_preview_fills_in_a_real_candidate_and_says_what_would_hold_a_send(
    db: Database, world: World, member_web: WebClient
) -> None:
    with db.unit_of_work() as s:
        team = s.get(Team, world.team.id)
        assert team is not None
        ada = make_candidate(s, team=team, name="Ada Lovelace", company=None)
        make_project(s, team=team, candidates=[ada], name="Engines")
    form = {
        "candidate_id": str(ada.id),
        "channel": ["email", "email", "text"],
        "subject": ["{{first_name}}, a role", "", ""],
        "body": ["Your work at {{company}}", "Dear {{nickname}}", ""],
        "instructions": ["", "", "Text {{first_name}} about {{project_name}}"],
    }
    answer = post(member_web, "/sequences/preview", form, htmx=True)
    assert answer.status_code == 200
    page = answer.text
    assert "Ada, a role" in page
    assert "Re: Ada, a role" in page  # the second email replies in the thread
    assert "held: {{company}} has no value for this candidate and no fallback" in page
    assert "unknown token {{nickname}}" in page
    assert "Text Ada about Engines" in page

    form["body"] = ["Your work at {{company|your company}}", "Dear {{first_name}}", ""]
    assert "Your work at your company" in post(member_web, "/sequences/preview", form).text


def test_another_teams_sequence_enrollment_and_task_are_not_found(
    db: Database, world: World, member_web: WebClient
) -> None:
    with db.unit_of_work() as s:
        other = make_candidate(s, team=world.other_team)
    theirs = make_sequence(db, world.outsider.user.id, CALL)
    with db.unit_of_work() as s:
        outsider = s.get(User, world.outsider.user.id)
        assert outsider is not None
        data = EnrollmentCreate(candidate_ids=[other.id])
        [enrollment_id] = enrollments.enroll(
            s, actor=outsider, sequence_id=theirs, data=data
        ).enrollment_ids
        task_id = s.scalar(select(SequenceTask.id))
    for path in (f"/sequences/{theirs}", f"/sequences/{theirs}/edit", f"/tasks/{task_id}/complete"):
        assert member_web.http.get(path).status_code == 404, path
    for path in (
        f"/sequences/{theirs}/delete",
        f"/enrollments/{enrollment_id}/pause",
        f"/enrollments/{enrollment_id}/stop",
        f"/tasks/{task_id}/skip",
    ):
        assert post(member_web, path).status_code == 404, path
    # In a form, another team's candidate is a mistake in the form (422), not a page.
    refused = post(member_web, "/sequences/preview", {"candidate_id": other.id, "channel": "call"})
    assert refused.status_code == 422
    with db.unit_of_work() as s:
        enrollment = s.get(Enrollment, enrollment_id)
        assert enrollment is not None and enrollment.status == "active"


def test_a_member_pauses_resumes_and_stops_an_enrollment(
    db: Database, world: World, member_web: WebClient
) -> None:
    with db.unit_of_work() as s:
        team = s.get(Team, world.team.id)
        assert team is not None
        ada = make_candidate(s, team=team, name="Ada Lovelace")
    # The admin's sequence and enrollment: any member of the team may act on them.
    sequence_id = make_sequence(db, world.admin.user.id, EMAIL)
    with db.unit_of_work() as s:
        admin = s.get(User, world.admin.user.id)
        assert admin is not None
        data = EnrollmentCreate(candidate_ids=[ada.id])
        [enrollment_id] = enrollments.enroll(
            s, actor=admin, sequence_id=sequence_id, data=data
        ).enrollment_ids

    def status() -> tuple[str, str | None]:
        with db.unit_of_work() as s:
            e = s.get(Enrollment, enrollment_id)
            assert e is not None
            return e.status, e.status_reason

    page = member_web.http.get(f"/sequences/{sequence_id}").text
    assert 'aria-label="Pause Ada Lovelace"' in page and "Resume" not in page
    paused = post(member_web, f"/enrollments/{enrollment_id}/pause", htmx=True)
    assert paused.status_code == 200
    assert "Ada Lovelace: paused." in paused.text
    assert 'aria-label="Resume Ada Lovelace"' in paused.text
    assert status() == ("paused", None)
    # Without htmx, back to the sequence's page, its filter kept.
    resumed = post(member_web, f"/enrollments/{enrollment_id}/resume", {"status": "active"})
    assert resumed.status_code == 303
    assert resumed.headers["location"] == f"/sequences/{sequence_id}?status=active"
    assert status() == ("active", None)
    stopped = post(member_web, f"/enrollments/{enrollment_id}/stop", htmx=True)
    assert stopped.status_code == 200
    assert status() == ("stopped", f"stopped by {world.member.user.name}")
    assert "Stopped" in stopped.text and "Pause" not in stopped.text
    assert post(member_web, f"/enrollments/{enrollment_id}/stop").status_code == 409
    filtered = member_web.http.get(f"/sequences/{sequence_id}", params={"status": "active"})
    assert "No enrollment is active." in filtered.text
    bad = member_web.http.get(f"/sequences/{sequence_id}", params={"status": "sleeping"})
    assert bad.status_code == 422 and "choose one of" in bad.text


def test_add_to_sequence_says_who_was_enrolled_and_why_others_were_skipped(
    db: Database, world: World, member_web: WebClient
) -> None:
    with db.unit_of_work() as s:
        team = s.get(Team, world.team.id)
        assert team is not None
        ada = make_candidate(s, team=team, name="Ada Lovelace")
        bob = make_candidate(s, team=team, name="Bob Stone", emails=[])
        cy = make_candidate(s, team=team, name="Cy Young")
        project = make_project(s, team=team, candidates=[ada, bob, cy])
    busy = make_sequence(db, world.member.user.id, CALL, name="Calls")
    sequence_id = make_sequence(db, world.member.user.id, EMAIL, name="Emails")
    with db.unit_of_work() as s:
        member = s.get(User, world.member.user.id)
        assert member is not None
        enrollments.enroll(
            s, actor=member, sequence_id=busy, data=EnrollmentCreate(candidate_ids=[cy.id])
        )
    dialog = member_web.http.get(f"/projects/{project.id}/add-to-sequence")
    assert f'<option value="{sequence_id}">Emails</option>' in dialog.text
    assert f"{world.member.user.name} (me)" in dialog.text
    form = {
        "sequence_id": str(sequence_id),
        "sender_user_id": str(world.admin.user.id),
        "all": "true",
        "start_at": "",
    }
    answer = post(member_web, f"/projects/{project.id}/add-to-sequence", form, htmx=True)
    assert answer.status_code == 200, answer.text
    assert "1 enrolled; 2 skipped: 1 without email, 1 already in a sequence." in answer.text
    with db.unit_of_work() as s:
        [enrollment] = s.scalars(select(Enrollment).where(Enrollment.sequence_id == sequence_id))
        assert enrollment.candidate_id == ada.id
        # Sent on behalf of the admin, enrolled (and credited) by the member.
        assert (enrollment.sender_user_id, enrollment.user_id) == (
            world.admin.user.id,
            world.member.user.id,
        )
    when = {"sequence_id": str(sequence_id), "all": "true", "start_at": "2026-02-30T09:00"}
    refused = post(member_web, f"/projects/{project.id}/add-to-sequence", when, htmx=True)
    assert refused.status_code == 422
    assert "is not a date and time" in refused.text


def test_skipping_a_task_moves_on_and_the_badge_counts_what_is_due(
    db: Database, world: World, member_web: WebClient, fake_clock: Clock
) -> None:
    fake_clock.at = at("2026-03-02 09:00")  # a Monday morning: a task is due at once
    with db.unit_of_work() as s:
        team = s.get(Team, world.team.id)
        assert team is not None
        ada = make_candidate(s, team=team, name="Ada Lovelace")
        project = make_project(s, team=team, candidates=[ada], name="Engines")
    sequence_id = make_sequence(db, world.member.user.id, CALL, EMAIL)
    with db.unit_of_work() as s:
        member = s.get(User, world.member.user.id)
        assert member is not None
        data = EnrollmentCreate(project_id=project.id, all=True)
        enrollments.enroll(s, actor=member, sequence_id=sequence_id, data=data)
    badge = member_web.http.get("/tasks/badge").text
    assert re.search(r'class="badge count">1<span class="sr-only"> due', badge)
    page = member_web.http.get("/tasks").text
    assert "Call Ada about Engines" in page  # the instructions, filled in
    with db.unit_of_work() as s:
        task_id = s.scalar(select(SequenceTask.id))
    skipped = post(member_web, f"/tasks/{task_id}/skip", htmx=True)
    assert skipped.status_code == 200
    assert "Skipped stage 1 of Outreach for Ada Lovelace." in skipped.text
    assert "Nothing due." in skipped.text
    assert 'class="badge count"' not in member_web.http.get("/tasks/badge").text
    with db.unit_of_work() as s:
        enrollment = s.scalars(select(Enrollment)).one()
        assert (enrollment.status, enrollment.next_stage) == ("active", 2)
