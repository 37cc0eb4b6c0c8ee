"""What users do to enrollments under way (SPEC §9): pause, resume and stop one; stop a deleted
sequence's; and re-time them all when a sequence's stages are replaced."""

from __future__ import annotations

from collections.abc import Sequence as Seq

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from reachout import audit
from reachout.errors import Conflict
from reachout.kit import time as clock
from reachout.kit.sql import in_id_list
from reachout.models import Enrollment, Sequence, SequenceSend, SequenceTask, Team, User
from reachout.models.enums import Channel
from reachout.models.sequence import OPEN_STATUSES
from reachout.sequences.enrollments import get_enrollment, schedule, stage_at
from reachout.sequences.schemas import EnrollmentStatus


def _cancel_tasks(session: Session, enrollment_ids: Seq[int]) -> None:
    if enrollment_ids:
        session.execute(
            update(SequenceTask)
            .where(
                SequenceTask.status == "open",
                in_id_list(session, SequenceTask.enrollment_id, enrollment_ids),
            )
            .values(status="cancelled", done_at=clock.now())
            .execution_options(synchronize_session=False)
        )


def _set_status(
    session: Session,
    enrollment: Enrollment,
    *,
    actor: User,
    status: EnrollmentStatus,
    reason: str | None,
) -> Enrollment:
    before = audit.snapshot(enrollment)
    enrollment.status = status.value
    enrollment.status_reason = reason
    enrollment.updated_at = clock.now()
    audit.record_change(
        session,
        actor=actor,
        action="update",
        entity=enrollment,
        before=before,
        after=audit.snapshot(enrollment),
    )
    return enrollment


def pause(session: Session, *, actor: User, enrollment_id: int) -> Enrollment:
    enrollment = get_enrollment(session, actor=actor, enrollment_id=enrollment_id)
    if enrollment.status != EnrollmentStatus.active.value:
        raise Conflict(
            f"enrollment {enrollment_id} is {enrollment.status}: only an active one pauses"
        )
    return _set_status(
        session, enrollment, actor=actor, status=EnrollmentStatus.paused, reason=None
    )


def resume(session: Session, *, actor: User, enrollment_id: int) -> Enrollment:
    """Go on from where it stopped; a send whose outcome was unknown is tried again (the user
    checked it did not go)."""
    enrollment = get_enrollment(session, actor=actor, enrollment_id=enrollment_id)
    if enrollment.status != EnrollmentStatus.paused.value:
        raise Conflict(
            f"enrollment {enrollment_id} is {enrollment.status}: only a paused one resumes"
        )
    session.execute(
        update(SequenceSend)
        .where(SequenceSend.enrollment_id == enrollment.id, SequenceSend.status == "unknown")
        .values(status="retrying", last_error="resumed by a user after an unknown outcome")
        .execution_options(synchronize_session=False)
    )
    if enrollment.next_stage is not None and enrollment.next_due_at is None:
        enrollment.next_due_at = clock.now()
    return _set_status(
        session, enrollment, actor=actor, status=EnrollmentStatus.active, reason=None
    )


def stop(session: Session, *, actor: User, enrollment_id: int) -> Enrollment:
    enrollment = get_enrollment(session, actor=actor, enrollment_id=enrollment_id)
    if enrollment.status not in OPEN_STATUSES:
        raise Conflict(f"enrollment {enrollment_id} is {enrollment.status} already")
    _cancel_tasks(session, [enrollment.id])
    enrollment.next_stage = None
    enrollment.next_due_at = None
    return _set_status(
        session,
        enrollment,
        actor=actor,
        status=EnrollmentStatus.stopped,
        reason=f"stopped by {actor.name}",
    )


def stop_all(session: Session, *, sequence: Sequence, reason: str) -> None:
    """Stop every open enrollment of a sequence (it is being deleted)."""
    ids = list(
        session.scalars(
            select(Enrollment.id).where(
                Enrollment.sequence_id == sequence.id, Enrollment.status.in_(OPEN_STATUSES)
            )
        )
    )
    _cancel_tasks(session, ids)
    session.execute(
        update(Enrollment)
        .where(Enrollment.sequence_id == sequence.id, Enrollment.status.in_(OPEN_STATUSES))
        .values(status="stopped", status_reason=reason, next_stage=None, next_due_at=None)
        .execution_options(synchronize_session=False)
    )


def retime(session: Session, *, sequence: Sequence) -> None:
    """The stages were replaced: each open enrollment keeps its position, and what it has not
    made yet is timed (and made a task, or not) by the new stages."""
    team = session.get(Team, sequence.team_id)
    assert team is not None
    enrollments = session.scalars(
        select(Enrollment).where(
            Enrollment.sequence_id == sequence.id,
            Enrollment.status.in_(OPEN_STATUSES),
            Enrollment.next_stage.is_not(None),
        )
    ).all()
    _cancel_tasks(session, [e.id for e in enrollments])
    for enrollment in enrollments:
        _reschedule(session, enrollment, sequence=sequence, team=team)


def _reschedule(
    session: Session, enrollment: Enrollment, *, sequence: Sequence, team: Team
) -> None:
    position = enrollment.next_stage or 1
    stage = stage_at(sequence, position)
    if stage is not None and stage.channel != Channel.email.value:
        # Its old task (cancelled just now) gives way to one of the new stage.
        session.execute(
            delete(SequenceTask).where(
                SequenceTask.enrollment_id == enrollment.id,
                SequenceTask.stage == position,
                SequenceTask.status == "cancelled",
            )
        )
    schedule(
        session,
        enrollment,
        sequence=sequence,
        team=team,
        position=position,
        after=enrollment.last_step_at,
    )
