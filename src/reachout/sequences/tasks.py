"""Tasks: the manual stages of sequences (InMail, text, call), due for their sender (SPEC §9).

Completing one logs the touchpoint of the stage's channel through the touchpoint service, as
Log Activity does, and schedules the next stage from that moment; skipping moves on without a
touchpoint.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout import audit
from reachout.errors import Conflict, NotFound
from reachout.kit import time as clock
from reachout.kit.pagination import Page, paginate
from reachout.kit.types import is_db_id
from reachout.models import Enrollment, Sequence, SequenceTask, Team, Touchpoint, User
from reachout.models.enums import Channel, DesignationChoice, Kind, Source
from reachout.sequences.enrollments import advance
from reachout.sequences.schemas import TaskComplete
from reachout.touchpoints import service as touchpoints
from reachout.touchpoints.schemas import TouchpointCreate


def due_tasks(
    session: Session,
    *,
    actor: User,
    until: datetime | None = None,
    limit: int,
    cursor: str | None,
) -> Page[SequenceTask]:
    """The actor's open tasks due by `until` (default now), oldest first by id."""
    stmt = select(SequenceTask).where(
        SequenceTask.user_id == actor.id,
        SequenceTask.status == "open",
        SequenceTask.due_at <= (until or clock.now()),
    )
    return paginate(session, stmt, id_column=SequenceTask.id, limit=limit, cursor=cursor)


def upcoming_tasks(session: Session, *, actor: User, limit: int = 50) -> list[SequenceTask]:
    """The actor's open tasks not yet due, soonest first (the Tasks page)."""
    return list(
        session.scalars(
            select(SequenceTask)
            .where(
                SequenceTask.user_id == actor.id,
                SequenceTask.status == "open",
                SequenceTask.due_at > clock.now(),
            )
            .order_by(SequenceTask.due_at, SequenceTask.id)
            .limit(limit)
        )
    )


def _open_task(session: Session, *, actor: User, task_id: int) -> SequenceTask:
    task = session.get(SequenceTask, task_id) if is_db_id(task_id) else None
    if task is None or task.team_id != actor.team_id:
        raise NotFound(f"task {task_id} not found")
    if task.user_id != actor.id and actor.role != "admin":
        raise NotFound(f"task {task_id} not found")
    if task.status != "open":
        raise Conflict(f"task {task_id} is {task.status} already")
    return task


def get_task(session: Session, *, actor: User, task_id: int) -> SequenceTask:
    return _open_task(session, actor=actor, task_id=task_id)


def _enrollment(session: Session, task: SequenceTask) -> tuple[Enrollment, Sequence, Team]:
    enrollment = session.get(Enrollment, task.enrollment_id, with_for_update=True)
    sequence = session.get(Sequence, task.sequence_id)
    team = session.get(Team, task.team_id)
    assert enrollment is not None and sequence is not None and team is not None
    return enrollment, sequence, team


def complete_task(session: Session, *, actor: User, task_id: int, data: TaskComplete) -> Touchpoint:
    """Log the stage's touchpoint and move the enrollment on."""
    task = _open_task(session, actor=actor, task_id=task_id)
    enrollment = session.get(Enrollment, task.enrollment_id)
    assert enrollment is not None
    done_at = data.occurred_at or clock.now()
    touchpoint = touchpoints.log_touchpoint(
        session,
        actor=actor,
        data=TouchpointCreate(
            candidate_id=task.candidate_id,
            kind=Kind.outreach,
            channel=Channel(task.channel),
            designation=DesignationChoice.auto,
            note=data.note,
            occurred_at=done_at,
            project_id=enrollment.project_id,
            user_id=enrollment.user_id,
            on_behalf_of_user_id=(
                enrollment.sender_user_id
                if enrollment.sender_user_id != enrollment.user_id
                else None
            ),
        ),
        source=Source.sequence,
        step=touchpoints.SequenceStep(task.sequence_id, task.stage),
    )
    _close(session, task, status="done", at=done_at, touchpoint_id=touchpoint.id, actor=actor)
    return touchpoint


def skip_task(session: Session, *, actor: User, task_id: int) -> SequenceTask:
    """Move on to the next stage without doing this one."""
    task = _open_task(session, actor=actor, task_id=task_id)
    _close(session, task, status="skipped", at=clock.now(), touchpoint_id=None, actor=actor)
    return task


def _close(
    session: Session,
    task: SequenceTask,
    *,
    status: str,
    at: datetime,
    touchpoint_id: int | None,
    actor: User,
) -> None:
    before = audit.snapshot(task)
    task.status = status
    task.done_at = at
    task.touchpoint_id = touchpoint_id
    enrollment, sequence, team = _enrollment(session, task)
    if enrollment.next_stage == task.stage:
        advance(session, enrollment, sequence=sequence, team=team, done_at=at)
    audit.record_change(
        session,
        actor=actor,
        action="update",
        entity=task,
        before=before,
        after=audit.snapshot(task),
    )
