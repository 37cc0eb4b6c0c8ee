"""SPEC §2 rule 9: every create, edit, delete and undo is in the audit log, with before/after."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.models import AuditEvent
from reachout.models.enums import Channel
from reachout.touchpoints import bulk, service
from reachout.touchpoints.schemas import BulkCreate, TouchpointUpdate
from tests.factories import at, make_candidate, make_project, make_team, make_user
from tests.touchpoints.helpers import log


def events(session: Session, entity_type: str, entity_id: int) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)
    )
    return list(session.scalars(stmt))


def test_touchpoint_changes_are_audited(session: Session) -> None:
    team, admin = make_team(session)
    member = make_user(session, team=team)
    c = make_candidate(session, team=team)
    tp = log(session, member, c.id, at("2026-04-01 10:00"))
    service.update_touchpoint(
        session, actor=admin, touchpoint_id=tp.id, changes=TouchpointUpdate(note="called back")
    )
    service.delete_touchpoint(session, actor=member, touchpoint_id=tp.id)
    created, edited, deleted = events(session, "touchpoint", tp.id)
    assert (created.action, created.actor_id, created.before) == ("create", member.id, None)
    assert created.after is not None and created.after["designation"] == "initial"
    assert (edited.action, edited.actor_id) == ("update", admin.id)
    assert edited.before is not None and edited.after is not None
    assert (edited.before["note"], edited.after["note"]) == (None, "called back")
    assert (deleted.action, deleted.actor_id, deleted.after) == ("delete", member.id, None)
    assert deleted.before is not None and deleted.before["note"] == "called back"


def test_bulk_and_undo_are_audited(session: Session) -> None:
    team, admin = make_team(session)
    candidates = [make_candidate(session, team=team) for _ in range(3)]
    project = make_project(session, team=team, candidates=candidates)
    result = bulk.log_bulk(
        session,
        actor=admin,
        project_id=project.id,
        data=BulkCreate(all=True, channel=Channel.call, note="spring push"),
    )
    bulk.undo_batch(session, actor=admin, batch_id=result.batch_id)
    created, undone = events(session, "batch", result.batch_id)
    assert created.action == "create" and created.after is not None
    assert (created.after["created"], created.after["note"]) == (3, "spring push")
    assert undone.action == "undo" and undone.actor_id == admin.id
    assert undone.before is not None and undone.before["created"] == 3
