"""What the sequence pages show of enrollments and tasks besides the rows themselves: whose they
are (candidates' and senders' names), which sequence and stage, and a task's instructions filled
in for its candidate. Each lookup reads one team's rows only."""

from __future__ import annotations

from collections.abc import Sequence as Seq
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachout.kit import time as clock
from reachout.models import (
    Candidate,
    Enrollment,
    Sequence,
    SequenceStage,
    SequenceTask,
    Touchpoint,
    User,
)
from reachout.projects import service as projects
from reachout.sequences.enrollments import candidate_enrollments, stage_at
from reachout.sequences.letters import token_values
from reachout.sequences.preview import Rendered, render_text
from reachout.sequences.service import sequence_names
from reachout.users import service as users

STATUSES = {
    "active": "Active",
    "paused": "Paused",
    "finished": "Finished",
    "replied": "Replied",
    "bounced": "Bounced",
    "stopped": "Stopped",
    "failed": "Failed",
}


@dataclass(frozen=True)
class EnrollmentRow:
    enrollment: Enrollment
    sequence: Sequence
    # None: the candidate was deleted since.
    candidate_name: str | None
    sender_name: str

    @property
    def next(self) -> SequenceStage | None:
        return stage_at(self.sequence, self.enrollment.next_stage)


@dataclass(frozen=True)
class TaskRow:
    task: SequenceTask
    candidate: Candidate | None
    sequence_name: str
    instructions: Rendered | None


def _candidates(session: Session, *, team_id: int, ids: Seq[int]) -> dict[int, Candidate]:
    """The team's live candidates among these ids, by id."""
    if not ids:
        return {}
    rows = session.scalars(
        select(Candidate).where(
            Candidate.team_id == team_id,
            Candidate.id.in_(sorted(set(ids))),
            Candidate.deleted_at.is_(None),
        )
    )
    return {c.id: c for c in rows}


def _sequences(session: Session, *, team_id: int, ids: Seq[int]) -> dict[int, Sequence]:
    """The team's sequences among these ids (deleted ones too: history names them), by id."""
    if not ids:
        return {}
    rows = session.scalars(
        select(Sequence).where(Sequence.team_id == team_id, Sequence.id.in_(sorted(set(ids))))
    )
    return {s.id: s for s in rows}


def enrollment_rows(
    session: Session, *, actor: User, enrollments: Seq[Enrollment]
) -> list[EnrollmentRow]:
    """These enrollments with their candidates', senders' and sequences' names."""
    names = {
        i: c.name
        for i, c in _candidates(
            session, team_id=actor.team_id, ids=[e.candidate_id for e in enrollments]
        ).items()
    }
    senders = users.user_names(
        session, team_id=actor.team_id, user_ids=sorted({e.sender_user_id for e in enrollments})
    )
    sequences = _sequences(session, team_id=actor.team_id, ids=[e.sequence_id for e in enrollments])
    return [
        EnrollmentRow(
            enrollment=e,
            sequence=sequences[e.sequence_id],
            candidate_name=names.get(e.candidate_id),
            sender_name=senders.get(e.sender_user_id, "a former member"),
        )
        for e in enrollments
    ]


def of_candidate(session: Session, *, actor: User, candidate_id: int) -> list[EnrollmentRow]:
    """A candidate's enrollments, newest first (their profile)."""
    found = candidate_enrollments(session, actor=actor, candidate_id=candidate_id)
    return enrollment_rows(session, actor=actor, enrollments=found)


def task_rows(session: Session, *, actor: User, tasks: Seq[SequenceTask]) -> list[TaskRow]:
    """These tasks of the actor's, each with its candidate, its sequence's name and its
    instructions filled in as the candidate's sender (the actor) would read them."""
    team_id = actor.team_id
    people = _candidates(session, team_id=team_id, ids=[t.candidate_id for t in tasks])
    sequences = _sequences(session, team_id=team_id, ids=[t.sequence_id for t in tasks])
    enrolled = {
        e.id: e.project_id
        for e in session.scalars(
            select(Enrollment).where(
                Enrollment.team_id == team_id,
                Enrollment.id.in_(sorted({t.enrollment_id for t in tasks}) or [0]),
            )
        )
    }
    project_names = projects.project_names(
        session, actor=actor, project_ids=sorted({p for p in enrolled.values() if p})
    )
    rows = []
    for task in tasks:
        candidate = people.get(task.candidate_id)
        sequence = sequences.get(task.sequence_id)
        instructions = None
        if candidate is not None and task.instructions:
            project_id = enrolled.get(task.enrollment_id)
            values = token_values(candidate, actor, project_names.get(project_id or 0))
            instructions = render_text(task.instructions, values)
        rows.append(
            TaskRow(
                task, candidate, sequence.name if sequence else "a deleted sequence", instructions
            )
        )
    return rows


def due_count(session: Session, *, actor: User) -> int:
    """How many of the actor's tasks are due (the Tasks link's badge)."""
    count = session.scalar(
        select(func.count()).where(
            SequenceTask.user_id == actor.id,
            SequenceTask.status == "open",
            SequenceTask.due_at <= clock.now(),
        )
    )
    return count or 0


def profile_section(session: Session, user: User, candidate: Candidate) -> dict[str, Any]:
    """The candidate's enrollments, for their profile (`candidates.profile.PROFILE_EXTRAS`)."""
    return {
        "enrollments": of_candidate(session, actor=user, candidate_id=candidate.id),
        "STATUSES": STATUSES,
    }


def timeline_names(session: Session, user: User, entries: Seq[Touchpoint]) -> dict[str, Any]:
    """The names of the sequences that made these entries (`touchpoints.pages.TIMELINE_EXTRAS`)."""
    return {
        "sequence_names": sequence_names(
            session,
            team_id=user.team_id,
            sequence_ids=[t.sequence_id for t in entries if t.sequence_id],
        )
    }
