"""Shared steps for touchpoint tests: log through the service, read designations back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.models import Touchpoint, User
from reachout.models.enums import Channel, DesignationChoice, Kind, ReplyStatus
from reachout.touchpoints import service
from reachout.touchpoints.schemas import TouchpointCreate
from reachout.touchpoints.service import SequenceStep


def log(
    session: Session,
    actor: User,
    candidate_id: int,
    at: datetime,
    *,
    designation: DesignationChoice | None = None,
    kind: Kind = Kind.outreach,
    channel: Channel = Channel.inmail,
    reply_status: ReplyStatus | None = None,
    step: SequenceStep | None = None,
    project_id: int | None = None,
) -> Touchpoint:
    data = TouchpointCreate(
        candidate_id=candidate_id,
        kind=kind,
        channel=channel,
        designation=designation,
        reply_status=reply_status,
        occurred_at=at,
        project_id=project_id,
    )
    return service.log_touchpoint(session, actor=actor, data=data, step=step)


def designations(session: Session, candidate_id: int) -> dict[int, str | None]:
    """Live touchpoints of a candidate: id -> designation, as stored now."""
    session.expire_all()
    rows = session.execute(
        select(Touchpoint.id, Touchpoint.designation).where(
            Touchpoint.candidate_id == candidate_id, Touchpoint.deleted_at.is_(None)
        )
    )
    return {tp_id: d for tp_id, d in rows}
