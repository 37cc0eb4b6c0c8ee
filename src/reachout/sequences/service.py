"""Sequences: their stages, validated on save, and the figures of the Sequences page (SPEC §9)."""

from __future__ import annotations

from collections.abc import Sequence as Seq
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachout import audit
from reachout.errors import FieldError, Invalid
from reachout.kit import time as clock
from reachout.models import Enrollment, Sequence, SequenceSend, SequenceStage, Touchpoint, User
from reachout.models.enums import Channel, Kind, ReplyStatus
from reachout.sequences import lifecycle, templates
from reachout.sequences.repository import require_sequence
from reachout.sequences.schemas import (
    SequenceCreate,
    SequenceFigures,
    SequenceRead,
    SequenceUpdate,
    StageIn,
    StageRead,
)
from reachout.users.service import require_team_user


def check_stages(stages: Seq[StageIn]) -> None:
    """The rules a list of stages must keep, each broken one a 422 naming its field."""
    errors: list[FieldError] = []
    first_email = True
    for index, stage in enumerate(stages):
        at = f"stages.{index}"
        if stage.channel == Channel.email:
            if first_email and not (stage.subject or "").strip():
                errors.append(FieldError("the first email stage needs a subject", f"{at}.subject"))
            first_email = False
            if not (stage.body or "").strip():
                errors.append(FieldError("an email stage needs a body", f"{at}.body"))
        elif stage.subject or stage.body:
            errors.append(
                FieldError("only an email stage has a subject and a body", f"{at}.channel")
            )
        for name in ("subject", "body", "instructions"):
            try:
                templates.check(getattr(stage, name) or "")
            except templates.TemplateError as error:
                errors.append(FieldError(str(error), f"{at}.{name}"))
    if errors:
        raise Invalid(detail="; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


def _stage_rows(stages: Seq[StageIn]) -> list[SequenceStage]:
    return [
        SequenceStage(
            position=position,
            channel=stage.channel.value,
            delay_days=stage.delay_days,
            business_days=stage.business_days,
            subject=stage.subject if stage.channel == Channel.email else None,
            body=stage.body if stage.channel == Channel.email else None,
            instructions=stage.instructions,
        )
        for position, stage in enumerate(stages, start=1)
    ]


def _snapshot(sequence: Sequence) -> dict[str, Any]:
    out = audit.snapshot(sequence)
    out["stages"] = [audit.snapshot(s) for s in sequence.stages]
    return out


def create_sequence(session: Session, *, actor: User, data: SequenceCreate) -> Sequence:
    check_stages(data.stages)
    owner = data.owner_user_id or actor.id
    require_team_user(session, team_id=actor.team_id, user_id=owner, field="owner_user_id")
    sequence = Sequence(
        team_id=actor.team_id,
        name=data.name,
        owner_user_id=owner,
        created_by_id=actor.id,
        stages=_stage_rows(data.stages),
    )
    session.add(sequence)
    session.flush()
    audit.record_change(
        session, actor=actor, action="create", entity=sequence, after=_snapshot(sequence)
    )
    return sequence


def update_sequence(
    session: Session, *, actor: User, sequence_id: int, changes: SequenceUpdate
) -> Sequence:
    """Rename, change the owner, or replace the stages. Progress is kept by position: a stage
    already sent or done is never made again, and sends not yet made are re-timed."""
    sequence = require_sequence(session, team_id=actor.team_id, sequence_id=sequence_id)
    before = _snapshot(sequence)
    fields = changes.model_fields_set
    if "name" in fields and changes.name:
        sequence.name = changes.name
    if "owner_user_id" in fields and changes.owner_user_id:
        require_team_user(
            session, team_id=actor.team_id, user_id=changes.owner_user_id, field="owner_user_id"
        )
        sequence.owner_user_id = changes.owner_user_id
    if "stages" in fields and changes.stages:
        check_stages(changes.stages)
        sequence.stages.clear()
        session.flush()
        sequence.stages.extend(_stage_rows(changes.stages))
        session.flush()
        lifecycle.retime(session, sequence=sequence)
    sequence.updated_at = clock.now()
    session.flush()
    audit.record_change(
        session,
        actor=actor,
        action="update",
        entity=sequence,
        before=before,
        after=_snapshot(sequence),
    )
    return sequence


def archive_sequence(session: Session, *, actor: User, sequence_id: int) -> None:
    """Remove a sequence from the lists; its enrollments stop, its history stays."""
    sequence = require_sequence(session, team_id=actor.team_id, sequence_id=sequence_id)
    before = _snapshot(sequence)
    lifecycle.stop_all(session, sequence=sequence, reason="the sequence was deleted")
    sequence.archived_at = clock.now()
    audit.record_change(session, actor=actor, action="delete", entity=sequence, before=before)


def get_sequence(session: Session, *, actor: User, sequence_id: int) -> Sequence:
    return require_sequence(session, team_id=actor.team_id, sequence_id=sequence_id)


def list_sequences(session: Session, *, actor: User) -> list[Sequence]:
    return list(
        session.scalars(
            select(Sequence)
            .where(Sequence.team_id == actor.team_id, Sequence.archived_at.is_(None))
            .order_by(Sequence.name, Sequence.id)
        )
    )


def figures(session: Session, *, sequence_ids: Seq[int]) -> dict[int, SequenceFigures]:
    """Enrolled, active, sent, replied and interested, per sequence."""
    if not sequence_ids:
        return {}
    enrolled = dict(
        session.execute(
            select(Enrollment.sequence_id, func.count())
            .where(Enrollment.sequence_id.in_(sequence_ids))
            .group_by(Enrollment.sequence_id)
        ).all()
    )
    active = dict(
        session.execute(
            select(Enrollment.sequence_id, func.count())
            .where(Enrollment.sequence_id.in_(sequence_ids), Enrollment.status == "active")
            .group_by(Enrollment.sequence_id)
        ).all()
    )
    sent = dict(
        session.execute(
            select(Enrollment.sequence_id, func.count())
            .join(SequenceSend, SequenceSend.enrollment_id == Enrollment.id)
            .where(Enrollment.sequence_id.in_(sequence_ids), SequenceSend.status == "sent")
            .group_by(Enrollment.sequence_id)
        ).all()
    )
    replied = dict(
        session.execute(
            select(Enrollment.sequence_id, func.count())
            .where(Enrollment.sequence_id.in_(sequence_ids), Enrollment.status == "replied")
            .group_by(Enrollment.sequence_id)
        ).all()
    )
    interested = dict(
        session.execute(
            select(Enrollment.sequence_id, func.count(func.distinct(Enrollment.id)))
            .join(Touchpoint, Touchpoint.candidate_id == Enrollment.candidate_id)
            .where(
                Enrollment.sequence_id.in_(sequence_ids),
                Enrollment.status == "replied",
                Touchpoint.kind == Kind.reply.value,
                Touchpoint.deleted_at.is_(None),
                Touchpoint.occurred_at >= Enrollment.started_at,
                Touchpoint.reply_status == ReplyStatus.interested.value,
            )
            .group_by(Enrollment.sequence_id)
        ).all()
    )
    return {
        i: SequenceFigures(
            enrolled=enrolled.get(i, 0),
            active=active.get(i, 0),
            sent=sent.get(i, 0),
            replied=replied.get(i, 0),
            interested=interested.get(i, 0),
        )
        for i in sequence_ids
    }


def read_sequences(session: Session, sequences: Seq[Sequence]) -> list[SequenceRead]:
    numbers = figures(session, sequence_ids=[s.id for s in sequences])
    return [
        SequenceRead(
            id=s.id,
            name=s.name,
            owner_user_id=s.owner_user_id,
            created_at=s.created_at,
            stages=[StageRead.model_validate(stage) for stage in s.stages],
            figures=numbers[s.id],
        )
        for s in sequences
    ]


def read_sequence(session: Session, sequence: Sequence) -> SequenceRead:
    return read_sequences(session, [sequence])[0]


def sequence_names(session: Session, *, team_id: int, sequence_ids: Seq[int]) -> dict[int, str]:
    """Names of these sequences of the team (archived ones included), by id."""
    if not sequence_ids:
        return {}
    return dict(
        session.execute(
            select(Sequence.id, Sequence.name).where(
                Sequence.team_id == team_id, Sequence.id.in_(sequence_ids)
            )
        ).all()
    )
