"""Enrollments: candidates in a sequence, and where each stands (SPEC §9).

An enrollment's `next_stage` is due at `next_due_at`: an email stage is sent by a worker
(`sequences.sending`), a manual stage is an open task of the sender's (`sequences.tasks`).
After each stage the next is scheduled from that moment (`advance`); after the last the
enrollment is finished. A reply stops it (`projection.enrollments`, in the reply's transaction).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence as Seq
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout import audit
from reachout.candidates.service import require_candidates
from reachout.errors import Conflict, FieldError, Invalid
from reachout.kit import time as clock
from reachout.kit.pagination import Page, paginate
from reachout.kit.sql import id_list, in_id_list
from reachout.models import (
    CandidateEmail,
    Enrollment,
    Sequence,
    SequenceStage,
    SequenceTask,
    Team,
    User,
)
from reachout.models.enums import Channel
from reachout.models.sequence import OPEN_STATUSES
from reachout.projects import service as projects
from reachout.sequences.repository import require_enrollment, require_sequence
from reachout.sequences.schedule import SendingWindow, due_at
from reachout.sequences.schemas import (
    EnrollmentCreate,
    EnrollmentStatus,
    EnrollResult,
    Skipped,
    SkipReason,
)
from reachout.users.service import require_team_user

DETAIL_IDS = 10


def stage_at(sequence: Sequence, position: int | None) -> SequenceStage | None:
    if position is None:
        return None
    return next((s for s in sequence.stages if s.position == position), None)


def _due(stage: SequenceStage, after: datetime, team: Team) -> datetime:
    return due_at(
        after,
        delay_days=stage.delay_days,
        business_days=stage.business_days,
        window=SendingWindow.of_team(team),
    )


def _task_row(enrollment: Enrollment, stage: SequenceStage, due: datetime) -> dict[str, object]:
    return {
        "team_id": enrollment.team_id,
        "enrollment_id": enrollment.id,
        "sequence_id": enrollment.sequence_id,
        "candidate_id": enrollment.candidate_id,
        "stage": stage.position,
        "channel": stage.channel,
        "instructions": stage.instructions,
        "due_at": due,
        "user_id": enrollment.sender_user_id,
        "status": "open",
        "created_at": clock.now(),
    }


def schedule(
    session: Session,
    enrollment: Enrollment,
    *,
    sequence: Sequence,
    team: Team,
    position: int,
    after: datetime,
) -> None:
    """Make `position` the enrollment's next stage, due its delay after `after`, or finish the
    enrollment when there is no such stage. A manual stage becomes the sender's task."""
    enrollment.last_step_at = after
    enrollment.held_reason = None
    enrollment.updated_at = clock.now()
    stage = stage_at(sequence, position)
    if stage is None:
        enrollment.status = EnrollmentStatus.finished.value
        enrollment.status_reason = None
        enrollment.next_stage = None
        enrollment.next_due_at = None
        return
    due = _due(stage, after, team)
    enrollment.next_stage = position
    enrollment.next_due_at = due
    if stage.channel != Channel.email.value:
        session.flush()
        session.execute(insert(SequenceTask), [_task_row(enrollment, stage, due)])


def advance(
    session: Session, enrollment: Enrollment, *, sequence: Sequence, team: Team, done_at: datetime
) -> None:
    """The enrollment's next stage was sent or done at `done_at`: schedule the one after."""
    if enrollment.status not in OPEN_STATUSES:
        # Stopped meanwhile (a reply, a user): what was done is recorded, nothing follows.
        enrollment.last_step_at = done_at
        enrollment.next_stage = None
        enrollment.next_due_at = None
        return
    schedule(
        session,
        enrollment,
        sequence=sequence,
        team=team,
        position=(enrollment.next_stage or 0) + 1,
        after=done_at,
    )


def _chosen(session: Session, *, actor: User, data: EnrollmentCreate) -> list[int]:
    if data.project_id is not None:
        projects.require_project(
            session, team_id=actor.team_id, project_id=data.project_id, field="project_id"
        )
        if data.all:
            return projects.member_ids(session, project_id=data.project_id)
    ids = sorted(set(data.candidate_ids or []))
    if data.project_id is None:
        require_candidates(session, team_id=actor.team_id, candidate_ids=id_list(session, ids))
        return ids
    strangers = projects.non_members(session, project_id=data.project_id, ids=id_list(session, ids))
    if strangers:
        shown = ", ".join(str(i) for i in strangers[:DETAIL_IDS])
        more = f" and {len(strangers) - DETAIL_IDS} more" if len(strangers) > DETAIL_IDS else ""
        raise Invalid(
            detail=f"not candidates of project {data.project_id}: {shown}{more}; "
            "nobody was enrolled",
            errors=[FieldError("not a candidate of this project", id=i) for i in strangers],
        )
    return ids


def _skips(
    session: Session, *, sequence: Sequence, candidate_ids: Seq[int]
) -> dict[int, SkipReason]:
    """Why some of these candidates cannot be enrolled (SPEC §9)."""
    skips: dict[int, SkipReason] = {}
    busy = session.scalars(
        select(Enrollment.candidate_id).where(
            in_id_list(session, Enrollment.candidate_id, candidate_ids),
            Enrollment.status.in_(OPEN_STATUSES),
        )
    )
    for candidate_id in busy:
        skips[candidate_id] = SkipReason.already_active
    if sequence.stages[0].channel == Channel.email.value:
        reachable = set(
            session.scalars(
                select(CandidateEmail.candidate_id)
                .where(in_id_list(session, CandidateEmail.candidate_id, candidate_ids))
                .where(CandidateEmail.bounced_at.is_(None))
            )
        )
        with_any = set(
            session.scalars(
                select(CandidateEmail.candidate_id).where(
                    in_id_list(session, CandidateEmail.candidate_id, candidate_ids)
                )
            )
        )
        for candidate_id in candidate_ids:
            if candidate_id in skips or candidate_id in reachable:
                continue
            skips[candidate_id] = (
                SkipReason.email_bounced if candidate_id in with_any else SkipReason.no_email
            )
    return skips


def enroll(
    session: Session, *, actor: User, sequence_id: int, data: EnrollmentCreate
) -> EnrollResult:
    """Enroll candidates (some skipped, each with its reason); each starts at stage 1."""
    sequence = require_sequence(session, team_id=actor.team_id, sequence_id=sequence_id)
    sender_id = data.sender_user_id or actor.id
    sender = require_team_user(
        session, team_id=actor.team_id, user_id=sender_id, field="sender_user_id"
    )
    if not sender.is_active:
        raise Invalid.on("sender_user_id", f"{sender.email} is no longer an active member")
    candidate_ids = _chosen(session, actor=actor, data=data)
    skips = _skips(session, sequence=sequence, candidate_ids=candidate_ids)
    chosen = [i for i in candidate_ids if i not in skips]
    started = data.start_at or clock.now()
    first = sequence.stages[0]
    due = _due(first, started, actor.team)
    rows = [
        {
            "team_id": actor.team_id,
            "sequence_id": sequence.id,
            "candidate_id": candidate_id,
            "user_id": actor.id,
            "sender_user_id": sender.id,
            "project_id": data.project_id,
            "status": EnrollmentStatus.active.value,
            "started_at": started,
            "next_stage": 1,
            "next_due_at": due,
            "last_step_at": started,
            "auto_replies": 0,
            "created_at": clock.now(),
        }
        for candidate_id in chosen
    ]
    ids: list[int] = []
    try:
        with session.begin_nested():
            if rows:
                ids = list(
                    session.scalars(
                        insert(Enrollment).returning(Enrollment.id, sort_by_parameter_order=True),
                        rows,
                    )
                )
            if first.channel != Channel.email.value and ids:
                session.execute(
                    insert(SequenceTask),
                    [
                        _task_row(_shell(row, i), first, due)
                        for row, i in zip(rows, ids, strict=True)
                    ],
                )
    except IntegrityError:
        # The unique index of open enrollments: someone enrolled one of them meanwhile.
        raise Conflict(
            "some of these candidates were enrolled in a sequence meanwhile: try again"
        ) from None
    audit.record(
        session,
        actor=actor,
        team_id=actor.team_id,
        action="enroll",
        entity_type="sequence",
        entity_id=sequence.id,
        after={"enrolled": len(ids), "sender_user_id": sender.id, "skipped": len(skips)},
    )
    return EnrollResult(
        enrolled=len(ids),
        enrollment_ids=ids,
        skipped=[Skipped(candidate_id=i, reason=r) for i, r in sorted(skips.items())],
    )


def _shell(row: Mapping[str, Any], enrollment_id: int) -> Enrollment:
    """An unsaved Enrollment with a new row's values, for `_task_row`."""
    shell = Enrollment(**row)
    shell.id = enrollment_id
    return shell


def get_enrollment(session: Session, *, actor: User, enrollment_id: int) -> Enrollment:
    return require_enrollment(session, team_id=actor.team_id, enrollment_id=enrollment_id)


def list_enrollments(
    session: Session,
    *,
    actor: User,
    sequence_id: int,
    status: EnrollmentStatus | None,
    candidate_id: int | None,
    limit: int,
    cursor: str | None,
) -> Page[Enrollment]:
    require_sequence(session, team_id=actor.team_id, sequence_id=sequence_id)
    stmt = select(Enrollment).where(Enrollment.sequence_id == sequence_id)
    if status is not None:
        stmt = stmt.where(Enrollment.status == status.value)
    if candidate_id is not None:
        stmt = stmt.where(Enrollment.candidate_id == candidate_id)
    return paginate(session, stmt, id_column=Enrollment.id, limit=limit, cursor=cursor)


def candidate_enrollments(session: Session, *, actor: User, candidate_id: int) -> list[Enrollment]:
    """A candidate's enrollments, newest first (the profile)."""
    return list(
        session.scalars(
            select(Enrollment)
            .where(Enrollment.team_id == actor.team_id, Enrollment.candidate_id == candidate_id)
            .order_by(Enrollment.id.desc())
        )
    )
