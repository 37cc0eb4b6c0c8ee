from __future__ import annotations

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.orm import Session

from reachout.idempotency import IDEMPOTENT
from reachout.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRead
from reachout.kit.types import QueryId
from reachout.models import Enrollment, Touchpoint, User
from reachout.problems import PROBLEM_RESPONSES
from reachout.routing import ApiRoute, get_session
from reachout.sequences import enrollments, lifecycle, service, tasks
from reachout.sequences.schemas import (
    EnrollmentCreate,
    EnrollmentRead,
    EnrollmentStatus,
    EnrollResult,
    SequenceCreate,
    SequenceRead,
    SequenceUpdate,
    TaskComplete,
    TaskRead,
)
from reachout.touchpoints.schemas import TouchpointRead
from reachout.users.auth import current_user

router = APIRouter(tags=["sequences"], route_class=ApiRoute, responses=PROBLEM_RESPONSES)


@router.post(
    "/sequences",
    response_model=SequenceRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IDEMPOTENT,
)
def create_sequence(
    body: SequenceCreate,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> SequenceRead:
    """Create a sequence of 1 to 10 stages; templates are checked (an unknown token is a 422)."""
    sequence = service.create_sequence(session, actor=user, data=body)
    return service.read_sequence(session, sequence)


@router.get("/sequences", response_model=PageRead[SequenceRead])
def list_sequences(
    user: User = Depends(current_user), session: Session = Depends(get_session)
) -> PageRead[SequenceRead]:
    """Your team's sequences, by name, with their figures."""
    items = service.read_sequences(session, service.list_sequences(session, actor=user))
    return PageRead[SequenceRead](items=items, next_cursor=None)


@router.get("/sequences/{sequence_id}", response_model=SequenceRead)
def get_sequence(
    sequence_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> SequenceRead:
    """One sequence, its stages and figures."""
    sequence = service.get_sequence(session, actor=user, sequence_id=sequence_id)
    return service.read_sequence(session, sequence)


@router.patch("/sequences/{sequence_id}", response_model=SequenceRead)
def update_sequence(
    sequence_id: int,
    body: SequenceUpdate,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> SequenceRead:
    """Rename it or replace its stages: progress is kept by position, pending sends re-timed."""
    sequence = service.update_sequence(session, actor=user, sequence_id=sequence_id, changes=body)
    return service.read_sequence(session, sequence)


@router.delete("/sequences/{sequence_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_sequence(
    sequence_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> None:
    """Delete a sequence: its open enrollments stop; what it sent stays in the ledger."""
    service.archive_sequence(session, actor=user, sequence_id=sequence_id)


@router.post(
    "/sequences/{sequence_id}/enrollments",
    response_model=EnrollResult,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IDEMPOTENT,
)
def enroll(
    sequence_id: int,
    body: EnrollmentCreate,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> EnrollResult:
    """Enroll candidates (by id, or every candidate of a project); some may be skipped, each
    with its reason: no_email, already_active, email_bounced."""
    return enrollments.enroll(session, actor=user, sequence_id=sequence_id, data=body)


@router.get("/sequences/{sequence_id}/enrollments", response_model=PageRead[EnrollmentRead])
def list_enrollments(
    sequence_id: int,
    status: EnrollmentStatus | None = None,
    candidate_id: QueryId | None = None,
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> PageRead[EnrollmentRead]:
    """The sequence's enrollments, oldest first."""
    page = enrollments.list_enrollments(
        session,
        actor=user,
        sequence_id=sequence_id,
        status=status,
        candidate_id=candidate_id,
        limit=limit,
        cursor=cursor,
    )
    items = [EnrollmentRead.model_validate(e) for e in page.items]
    return PageRead[EnrollmentRead](items=items, next_cursor=page.next_cursor)


@router.get("/enrollments/{enrollment_id}", response_model=EnrollmentRead)
def get_enrollment(
    enrollment_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> Enrollment:
    """One enrollment: its status, and its next stage and when it is due."""
    return enrollments.get_enrollment(session, actor=user, enrollment_id=enrollment_id)


@router.post("/enrollments/{enrollment_id}/pause", response_model=EnrollmentRead)
def pause_enrollment(
    enrollment_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> Enrollment:
    """Pause an active enrollment: nothing is sent until it resumes."""
    return lifecycle.pause(session, actor=user, enrollment_id=enrollment_id)


@router.post("/enrollments/{enrollment_id}/resume", response_model=EnrollmentRead)
def resume_enrollment(
    enrollment_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> Enrollment:
    """Resume a paused enrollment where it stopped."""
    return lifecycle.resume(session, actor=user, enrollment_id=enrollment_id)


@router.post("/enrollments/{enrollment_id}/stop", response_model=EnrollmentRead)
def stop_enrollment(
    enrollment_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> Enrollment:
    """Stop an enrollment for good."""
    return lifecycle.stop(session, actor=user, enrollment_id=enrollment_id)


@router.get("/tasks", response_model=PageRead[TaskRead], tags=["tasks"])
def list_tasks(
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> PageRead[TaskRead]:
    """Your due and overdue tasks (the manual stages of sequences)."""
    page = tasks.due_tasks(session, actor=user, limit=limit, cursor=cursor)
    items = [TaskRead.model_validate(t) for t in page.items]
    return PageRead[TaskRead](items=items, next_cursor=page.next_cursor)


@router.post(
    "/tasks/{task_id}/complete",
    response_model=TouchpointRead,
    status_code=status.HTTP_201_CREATED,
    tags=["tasks"],
    openapi_extra=IDEMPOTENT,
)
def complete_task(
    task_id: int,
    body: TaskComplete,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> Touchpoint:
    """Mark a task done: logs the stage's touchpoint and schedules the next stage."""
    return tasks.complete_task(session, actor=user, task_id=task_id, data=body)


@router.post("/tasks/{task_id}/skip", response_model=TaskRead, tags=["tasks"])
def skip_task(
    task_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> TaskRead:
    """Skip a task: the enrollment moves on to its next stage."""
    return TaskRead.model_validate(tasks.skip_task(session, actor=user, task_id=task_id))
