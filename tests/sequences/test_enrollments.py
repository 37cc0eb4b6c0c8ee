"""Enrollments through the service (SPEC §9): who is skipped, the stop rule from every writer
of replies, pausing and stopping, and stages replaced while candidates are under way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.errors import Conflict, Invalid, NotFound
from reachout.models import Enrollment, SequenceTask, Team
from reachout.models.enums import Channel, Kind, ReplyStatus
from reachout.sequences import enrollments, lifecycle, service, tasks
from reachout.sequences.schemas import (
    EnrollmentCreate,
    SequenceCreate,
    SequenceUpdate,
    StageIn,
    TaskComplete,
)
from reachout.touchpoints import bulk
from reachout.touchpoints import service as touchpoints
from reachout.touchpoints.schemas import BulkCreate, TouchpointCreate, TouchpointUpdate
from tests.factories import World, at, make_candidate, make_project
from tests.sequences.conftest import Clock

EMAIL_THEN_CALL = [
    StageIn(channel=Channel.email, subject="Hello", body="Hi {{first_name}}"),
    StageIn(channel=Channel.call, delay_days=2, instructions="Call them"),
]


def always_open(session: Session, team: Team) -> None:
    team.sending_days = "mon,tue,wed,thu,fri,sat,sun"
    team.sending_start = "00:00"
    team.sending_end = "24:00"
    session.flush()


def make_sequence(session: Session, world: World, stages: list[StageIn] = EMAIL_THEN_CALL) -> int:
    sequence = service.create_sequence(
        session, actor=world.member.user, data=SequenceCreate(name="Outreach", stages=stages)
    )
    return sequence.id


def enroll(session: Session, world: World, sequence_id: int, *ids: int, **kw: object):  # type: ignore[no-untyped-def]
    return enrollments.enroll(
        session,
        actor=world.member.user,
        sequence_id=sequence_id,
        data=EnrollmentCreate(candidate_ids=list(ids), **kw),  # type: ignore[arg-type]
    )


def status_of(session: Session, enrollment_id: int) -> str:
    enrollment = session.get(Enrollment, enrollment_id)
    assert enrollment is not None
    session.refresh(enrollment)
    return enrollment.status


def test_candidates_are_skipped_with_their_reason(session: Session, world: World) -> None:
    team = world.team
    reachable = make_candidate(session, team=team)
    no_email = make_candidate(session, team=team, emails=[])
    bounced = make_candidate(session, team=team, emails=["gone@example.org"])
    bounced.emails[0].bounced_at = at("2026-01-01 00:00")
    session.flush()
    first = make_sequence(session, world)
    second = make_sequence(session, world)
    result = enroll(session, world, first, reachable.id, no_email.id, bounced.id, reachable.id)
    assert result.enrolled == 1
    assert [(s.candidate_id, s.reason.value) for s in result.skipped] == [
        (no_email.id, "no_email"),
        (bounced.id, "email_bounced"),
    ]
    again = enroll(session, world, second, reachable.id)
    assert again.enrolled == 0
    assert [(s.candidate_id, s.reason.value) for s in again.skipped] == [
        (reachable.id, "already_active")
    ]
    # A sequence that starts with a call needs no address.
    calls = make_sequence(session, world, [StageIn(channel=Channel.call, instructions="Call")])
    assert enroll(session, world, calls, no_email.id).enrolled == 1


def test_unknown_candidates_and_strangers_to_the_project_are_refused(
    session: Session, world: World
) -> None:
    inside = make_candidate(session, team=world.team)
    outside = make_candidate(session, team=world.team)
    theirs = make_candidate(session, team=world.other_team)
    project = make_project(session, team=world.team, candidates=[inside])
    sequence_id = make_sequence(session, world)
    with pytest.raises(Invalid, match=str(theirs.id)):
        enroll(session, world, sequence_id, inside.id, theirs.id)
    with pytest.raises(Invalid, match=f"not candidates of project {project.id}: {outside.id}"):
        enroll(session, world, sequence_id, inside.id, outside.id, project_id=project.id)
    assert session.scalars(select(Enrollment)).all() == []
    with pytest.raises(NotFound):
        enrollments.enroll(
            session,
            actor=world.outsider.user,
            sequence_id=sequence_id,
            data=EnrollmentCreate(candidate_ids=[theirs.id]),
        )


@pytest.mark.parametrize("writer", ["single", "bulk", "edit"])
def test_any_reply_stops_the_enrollment(
    session: Session, world: World, fake_clock: Clock, writer: str
) -> None:
    fake_clock.at = at("2026-03-02 09:00")
    candidate = make_candidate(session, team=world.team)
    project = make_project(session, team=world.team, candidates=[candidate])
    sequence_id = make_sequence(session, world)
    [enrollment_id] = enroll(session, world, sequence_id, candidate.id).enrollment_ids
    member = world.member.user
    if writer == "single":
        touchpoints.log_touchpoint(
            session,
            actor=member,
            data=TouchpointCreate(
                candidate_id=candidate.id, kind=Kind.reply, channel=Channel.inmail
            ),
        )
    elif writer == "bulk":
        bulk.log_bulk(
            session,
            actor=member,
            project_id=project.id,
            data=BulkCreate(all=True, kind=Kind.reply, channel=Channel.text),
        )
    else:
        # A reply logged before the enrollment began stops nothing, until it is moved after.
        reply = touchpoints.log_touchpoint(
            session,
            actor=member,
            data=TouchpointCreate(
                candidate_id=candidate.id,
                kind=Kind.reply,
                channel=Channel.call,
                occurred_at=at("2026-03-01 09:00"),
            ),
        )
        assert status_of(session, enrollment_id) == "active"
        touchpoints.update_touchpoint(
            session,
            actor=member,
            touchpoint_id=reply.id,
            changes=TouchpointUpdate(occurred_at=at("2026-03-02 10:00")),
        )
    assert status_of(session, enrollment_id) == "replied"


def test_a_reply_cancels_the_open_task(session: Session, world: World, fake_clock: Clock) -> None:
    fake_clock.at = at("2026-03-02 09:00")
    candidate = make_candidate(session, team=world.team)
    sequence_id = make_sequence(session, world, [StageIn(channel=Channel.inmail, instructions="x")])
    [enrollment_id] = enroll(session, world, sequence_id, candidate.id).enrollment_ids
    [task] = session.scalars(select(SequenceTask)).all()
    touchpoints.log_touchpoint(
        session,
        actor=world.admin.user,
        data=TouchpointCreate(
            candidate_id=candidate.id,
            kind=Kind.reply,
            channel=Channel.inmail,
            reply_status=ReplyStatus.later,
        ),
    )
    session.refresh(task)
    assert task.status == "cancelled"
    with pytest.raises(Conflict):
        tasks.complete_task(session, actor=world.member.user, task_id=task.id, data=TaskComplete())
    assert status_of(session, enrollment_id) == "replied"


def test_pause_resume_stop(session: Session, world: World) -> None:
    candidate = make_candidate(session, team=world.team)
    sequence_id = make_sequence(session, world)
    [enrollment_id] = enroll(session, world, sequence_id, candidate.id).enrollment_ids
    admin = world.admin.user
    with pytest.raises(Conflict):
        lifecycle.resume(session, actor=admin, enrollment_id=enrollment_id)
    assert lifecycle.pause(session, actor=admin, enrollment_id=enrollment_id).status == "paused"
    assert lifecycle.resume(session, actor=admin, enrollment_id=enrollment_id).status == "active"
    stopped = lifecycle.stop(session, actor=admin, enrollment_id=enrollment_id)
    assert (stopped.status, stopped.next_stage, stopped.next_due_at) == ("stopped", None, None)
    with pytest.raises(Conflict):
        lifecycle.pause(session, actor=admin, enrollment_id=enrollment_id)
    # Stopped, the candidate may be enrolled again.
    assert enroll(session, world, sequence_id, candidate.id).enrolled == 1


def test_tasks_move_the_enrollment_on_and_the_last_finishes_it(
    session: Session, world: World, fake_clock: Clock
) -> None:
    fake_clock.at = at("2026-03-02 09:00")  # Monday
    candidate = make_candidate(session, team=world.team)
    sequence_id = make_sequence(
        session,
        world,
        [
            StageIn(channel=Channel.inmail, instructions="Write"),
            StageIn(channel=Channel.call, delay_days=1, instructions="Call"),
        ],
    )
    [enrollment_id] = enroll(session, world, sequence_id, candidate.id).enrollment_ids
    member = world.member.user
    [first] = tasks.due_tasks(session, actor=member, limit=10, cursor=None).items
    assert tasks.due_tasks(session, actor=world.admin.user, limit=10, cursor=None).items == []
    done = tasks.complete_task(session, actor=member, task_id=first.id, data=TaskComplete())
    assert (done.channel, done.designation, done.sequence_stage) == ("inmail", "initial", 1)
    assert tasks.due_tasks(session, actor=member, limit=10, cursor=None).items == []
    fake_clock.at += timedelta(days=1)
    [second] = tasks.due_tasks(session, actor=member, limit=10, cursor=None).items
    assert second.stage == 2
    tasks.skip_task(session, actor=member, task_id=second.id)
    enrollment = session.get(Enrollment, enrollment_id)
    assert enrollment is not None
    assert (enrollment.status, enrollment.next_stage) == ("finished", None)


def test_replacing_stages_keeps_progress_and_retimes(
    session: Session, world: World, fake_clock: Clock
) -> None:
    fake_clock.at = at("2026-03-02 09:00")
    always_open(session, world.team)
    candidate = make_candidate(session, team=world.team)
    sequence_id = make_sequence(
        session,
        world,
        [
            StageIn(channel=Channel.inmail, instructions="Write"),
            StageIn(channel=Channel.email, delay_days=3, subject="Hi", body="Hello"),
        ],
    )
    [enrollment_id] = enroll(session, world, sequence_id, candidate.id).enrollment_ids
    member = world.member.user
    [task] = tasks.due_tasks(session, actor=member, limit=10, cursor=None).items
    tasks.complete_task(session, actor=member, task_id=task.id, data=TaskComplete())
    enrollment = session.get(Enrollment, enrollment_id)
    assert enrollment is not None
    assert enrollment.next_due_at == at("2026-03-05 09:00")
    service.update_sequence(
        session,
        actor=member,
        sequence_id=sequence_id,
        changes=SequenceUpdate(
            stages=[
                StageIn(channel=Channel.inmail, instructions="Write again"),
                StageIn(channel=Channel.email, delay_days=1, subject="Hi", body="Hello"),
                StageIn(channel=Channel.call, delay_days=1, instructions="Call"),
            ]
        ),
    )
    session.refresh(enrollment)
    # Stage 1 was done: it is not made again; stage 2 is re-timed by its new delay.
    assert (enrollment.next_stage, enrollment.next_due_at) == (2, at("2026-03-03 09:00"))
    assert tasks.due_tasks(session, actor=member, limit=10, cursor=None).items == []


def test_deleting_a_sequence_stops_its_enrollments(session: Session, world: World) -> None:
    candidate = make_candidate(session, team=world.team)
    sequence_id = make_sequence(session, world)
    [enrollment_id] = enroll(session, world, sequence_id, candidate.id).enrollment_ids
    service.archive_sequence(session, actor=world.member.user, sequence_id=sequence_id)
    assert status_of(session, enrollment_id) == "stopped"
    with pytest.raises(NotFound):
        service.get_sequence(session, actor=world.member.user, sequence_id=sequence_id)
