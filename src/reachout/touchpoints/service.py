"""Logging, editing and deleting touchpoints one at a time (SPEC §2)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from reachout import audit
from reachout.errors import Forbidden, Invalid, NotFound
from reachout.kit.pagination import Page, paginate
from reachout.kit.time import local_day, now
from reachout.kit.types import is_db_id
from reachout.models import Candidate, Touchpoint, User
from reachout.models.enums import (
    Channel,
    Designation,
    DesignationChoice,
    DesignationMode,
    Kind,
    Source,
)
from reachout.projection import appending
from reachout.projection.changes import HistoryChange, history_change
from reachout.projects.service import require_project
from reachout.touchpoints import repository
from reachout.touchpoints.permissions import can_change
from reachout.touchpoints.schemas import TouchpointCreate, TouchpointUpdate
from reachout.users.service import require_team_user


def designation_columns(kind: Kind, choice: DesignationChoice | None) -> dict[str, str | None]:
    """The stored designation and mode for what was asked. Auto rows get a placeholder that
    `resolve_auto_designations` replaces in the same transaction."""
    if kind == Kind.reply:
        return {"designation": None, "designation_mode": None}
    if choice is None or choice == DesignationChoice.auto:
        return {"designation": Designation.follow_up.value, "designation_mode": "auto"}
    return {"designation": choice.value, "designation_mode": DesignationMode.explicit.value}


def check_references(
    session: Session,
    *,
    actor: User,
    project_id: int | None,
    user_id: int | None,
    on_behalf_of_user_id: int | None,
) -> None:
    """Ids in a body must name things of the caller's team: otherwise 422 naming the field."""
    team_id = actor.team_id
    if project_id is not None:
        require_project(session, team_id=team_id, project_id=project_id, field="project_id")
    if user_id is not None:
        require_team_user(session, team_id=team_id, user_id=user_id, field="user_id")
    if on_behalf_of_user_id is not None:
        require_team_user(
            session, team_id=team_id, user_id=on_behalf_of_user_id, field="on_behalf_of_user_id"
        )


def _history_change(
    session: Session, *, actor: User, candidate_id: int, since: datetime
) -> AbstractContextManager[HistoryChange]:
    return history_change(session, team=actor.team, candidate_ids=[candidate_id], since=since)


@dataclass(frozen=True)
class SequenceStep:
    """The sequence stage a touchpoint is made by (SPEC §9)."""

    sequence_id: int
    stage: int


def log_touchpoint(
    session: Session,
    *,
    actor: User,
    data: TouchpointCreate,
    source: Source = Source.manual,
    step: SequenceStep | None = None,
    suggested: bool = False,
) -> Touchpoint:
    """Log one touchpoint; `suggested`: its reply status is Reachout's suggestion (a reply read
    from a mailbox) until a user sets it."""
    team = actor.team
    candidate_id = data.candidate_id
    occurred_at = data.occurred_at or now()
    end = None
    if is_db_id(candidate_id):
        repository.lock_history(session, team_id=team.id, candidate_id=candidate_id)
        end = appending.history_end(
            session, team_id=team.id, candidate_id=candidate_id, at=occurred_at
        )
    if end is None:
        raise Invalid.on("candidate_id", f"no candidate with id {candidate_id}")
    check_references(
        session,
        actor=actor,
        project_id=data.project_id,
        user_id=data.user_id,
        on_behalf_of_user_id=data.on_behalf_of_user_id,
    )
    touchpoint = Touchpoint(
        team_id=team.id,
        candidate_id=candidate_id,
        kind=data.kind.value,
        channel=data.channel.value,
        reply_status=data.reply_status.value if data.reply_status else None,
        note=data.note,
        occurred_at=occurred_at,
        local_day=local_day(occurred_at, team.time_zone),
        project_id=data.project_id,
        user_id=data.user_id or actor.id,
        on_behalf_of_user_id=data.on_behalf_of_user_id,
        created_by_id=actor.id,
        source=source.value,
        sequence_id=step.sequence_id if step else None,
        sequence_stage=step.stage if step else None,
        reply_status_suggested=suggested,
        **designation_columns(data.kind, data.designation),
    )
    if not end.later:
        # The usual case: logged at the end of the history, "now".
        touchpoint.created_at = now()
        appending.resolve(touchpoint, end, team)
        appending.write(session, touchpoint, end, actor=actor)
        return touchpoint
    with _history_change(
        session, actor=actor, candidate_id=candidate_id, since=occurred_at
    ) as change:
        session.add(touchpoint)
        session.flush()
        change.appended(
            Touchpoint.id == touchpoint.id, kind=data.kind, reply_status=touchpoint.reply_status
        )
    if touchpoint.designation_mode == DesignationMode.auto.value:
        # Resolution wrote this row's designation in SQL; it changed nothing else of it.
        session.refresh(touchpoint, ["designation"])
    audit.record_change(
        session,
        actor=actor,
        action="create",
        entity=touchpoint,
        after=audit.snapshot(touchpoint),
    )
    return touchpoint


def get_touchpoint(session: Session, *, actor: User, touchpoint_id: int) -> Touchpoint:
    touchpoint = repository.get_live(session, team_id=actor.team_id, touchpoint_id=touchpoint_id)
    if touchpoint is None:
        raise NotFound(f"touchpoint {touchpoint_id} not found")
    return touchpoint


def candidate_of(session: Session, touchpoint: Touchpoint) -> Candidate:
    """The candidate of a touchpoint the caller has (of their team: see `get_touchpoint`)."""
    return repository.candidate_of(session, touchpoint)


def get_changeable_touchpoint(session: Session, *, actor: User, touchpoint_id: int) -> Touchpoint:
    """A touchpoint the actor may edit or delete: 404 if it is not theirs to see, else 403."""
    touchpoint = get_touchpoint(session, actor=actor, touchpoint_id=touchpoint_id)
    if not can_change(actor, touchpoint):
        raise Forbidden("you can only change touchpoints you logged (admins can change any)")
    return touchpoint


def _changed_columns(touchpoint: Touchpoint, changes: TouchpointUpdate) -> dict[str, Any]:
    fields = changes.model_fields_set
    kind = Kind(touchpoint.kind)
    if kind == Kind.reply and changes.designation is not None:
        raise Invalid.on("designation", "a reply has no designation")
    if kind == Kind.outreach and changes.reply_status is not None:
        raise Invalid.on("reply_status", "only a reply has a reply status")
    values: dict[str, Any] = {}
    for name in ("note", "project_id", "on_behalf_of_user_id"):
        if name in fields:
            values[name] = getattr(changes, name)
    for name in ("channel", "occurred_at", "user_id"):
        value = getattr(changes, name)
        if name in fields and value is None:
            raise Invalid.on(name, "cannot be empty")
        if value is not None:
            values[name] = value.value if isinstance(value, Channel) else value
    if "reply_status" in fields:
        values["reply_status"] = changes.reply_status.value if changes.reply_status else None
        # A user set it: no longer a suggestion.
        values["reply_status_suggested"] = False
    if "designation" in fields and kind == Kind.outreach:
        values.update(designation_columns(kind, changes.designation))
    return values


def update_touchpoint(
    session: Session, *, actor: User, touchpoint_id: int, changes: TouchpointUpdate
) -> Touchpoint:
    touchpoint = get_changeable_touchpoint(session, actor=actor, touchpoint_id=touchpoint_id)
    values = _changed_columns(touchpoint, changes)
    check_references(
        session,
        actor=actor,
        project_id=values.get("project_id"),
        user_id=values.get("user_id"),
        on_behalf_of_user_id=values.get("on_behalf_of_user_id"),
    )
    repository.lock_history(session, team_id=actor.team_id, candidate_id=touchpoint.candidate_id)
    before = audit.snapshot(touchpoint)
    since = min(touchpoint.occurred_at, values.get("occurred_at", touchpoint.occurred_at))
    with _history_change(session, actor=actor, candidate_id=touchpoint.candidate_id, since=since):
        for name, value in values.items():
            setattr(touchpoint, name, value)
        touchpoint.local_day = local_day(touchpoint.occurred_at, actor.team.time_zone)
        touchpoint.updated_at = now()
    session.refresh(touchpoint)
    audit.record_change(
        session,
        actor=actor,
        action="update",
        entity=touchpoint,
        before=before,
        after=audit.snapshot(touchpoint),
    )
    return touchpoint


def delete_touchpoint(session: Session, *, actor: User, touchpoint_id: int) -> None:
    touchpoint = get_changeable_touchpoint(session, actor=actor, touchpoint_id=touchpoint_id)
    repository.lock_history(session, team_id=actor.team_id, candidate_id=touchpoint.candidate_id)
    before = audit.snapshot(touchpoint)
    with _history_change(
        session, actor=actor, candidate_id=touchpoint.candidate_id, since=touchpoint.occurred_at
    ) as change:
        touchpoint.deleted_at = now()
        if touchpoint.kind == Kind.outreach.value:
            change.removed(Touchpoint.id == touchpoint.id)
    audit.record_change(
        session,
        actor=actor,
        action="delete",
        entity=touchpoint,
        before=before,
    )


def list_touchpoints(
    session: Session,
    *,
    actor: User,
    candidate_id: int | None = None,
    project_id: int | None = None,
    user_id: int | None = None,
    kind: Kind | None = None,
    channel: Channel | None = None,
    sequence_id: int | None = None,
    sequence_stage: int | None = None,
    occurred_from: datetime | None = None,
    occurred_to: datetime | None = None,
    limit: int,
    cursor: str | None,
) -> Page[Touchpoint]:
    stmt = repository.filtered(
        actor.team_id,
        candidate_id=candidate_id,
        project_id=project_id,
        user_id=user_id,
        kind=kind.value if kind else None,
        channel=channel.value if channel else None,
        sequence_id=sequence_id,
        sequence_stage=sequence_stage,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )
    return paginate(session, stmt, id_column=Touchpoint.id, limit=limit, cursor=cursor)


def _history(session: Session, *, actor: User, candidate_id: int) -> tuple[list[Touchpoint], bool]:
    """The candidate's live touchpoints, and whether the actor may delete every one of them
    (SPEC §2 rule 9): an admin, or a member who logged each."""
    touchpoints = repository.of_candidate(session, team_id=actor.team_id, candidate_id=candidate_id)
    return touchpoints, all(can_change(actor, t) for t in touchpoints)


def may_delete_history(session: Session, *, actor: User, candidate_id: int) -> bool:
    """Whether `delete_history` would let the actor delete the candidate's touchpoints."""
    return _history(session, actor=actor, candidate_id=candidate_id)[1]


def delete_history(session: Session, *, actor: User, candidate_id: int) -> None:
    """Delete every touchpoint of a candidate who is being deleted. It is allowed to whoever
    may delete each of them (SPEC §2 rule 9): an admin, or a member who logged every one."""
    # The lock every writer of the history takes: a touchpoint being logged for the candidate
    # right now commits first, and is then checked and deleted with the rest.
    repository.lock_history(session, team_id=actor.team_id, candidate_id=candidate_id)
    touchpoints, allowed = _history(session, actor=actor, candidate_id=candidate_id)
    if not allowed:
        raise Forbidden(
            "only an admin can delete a candidate whose activity was logged by someone else"
        )
    audit.record_deletions(session, actor=actor, entities=touchpoints)
    with history_change(session, team=actor.team, candidate_ids=[candidate_id], since=None):
        repository.delete_of_candidate(session, candidate_id=candidate_id, at=now())
