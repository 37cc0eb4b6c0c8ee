"""The audit log: every create, edit, delete and undo, with who and the record before/after."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import Enum
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Insert, Table, bindparam, insert, inspect
from sqlalchemy.orm import Session

from reachout.models import AuditEvent, User
from reachout.models.base import utcnow


def snapshot(obj: Any) -> dict[str, Any]:
    """The column values of an ORM object, JSON-ready."""
    out: dict[str, Any] = {}
    for attr in inspect(obj).mapper.column_attrs:
        value = getattr(obj, attr.key)
        if isinstance(value, date):  # datetime too
            value = value.isoformat()
        elif isinstance(value, Enum):
            value = value.value
        out[attr.key] = value
    return out


class TeamOwned(Protocol):
    id: Any
    team_id: Any


def record_change(
    session: Session,
    *,
    actor: User | None,
    action: str,
    entity: TeamOwned,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Record a change to a row of a team's: its type is its table's name."""
    record(
        session,
        actor=actor,
        team_id=entity.team_id,
        action=action,
        entity_type=inspect(entity).mapper.local_table.name,
        entity_id=entity.id,
        before=before,
        after=after,
    )


def record_deletions(session: Session, *, actor: User, entities: Sequence[TeamOwned]) -> None:
    """Record rows deleted together (one event each, with the row as it was): call it before
    the rows change."""
    if not entities:
        return
    table = inspect(entities[0]).mapper.local_table.name
    values = [
        event_values(
            actor=actor,
            team_id=e.team_id,
            action="delete",
            entity_type=table,
            entity_id=e.id,
            before=snapshot(e),
        )
        for e in entities
    ]
    session.connection().execute(insert_event(), values)


def record(
    session: Session,
    *,
    actor: User | None,
    team_id: int,
    action: str,
    entity_type: str,
    entity_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    # On the session's connection, not through the ORM: nothing pending needs flushing first
    # (the event's only references are the team and the actor, which exist).
    values = event_values(
        actor=actor,
        team_id=team_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    session.connection().execute(insert_event(), values)


def event_values(
    *,
    actor: User | None,
    team_id: int,
    action: str,
    entity_type: str,
    entity_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The values of an event, for `insert_event`."""
    return {
        "team_id": team_id,
        "actor_id": actor.id if actor else None,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before": before,
        "after": after,
        # Given here, not left to the column's default: a statement that runs this insert as
        # a CTE (projection/appending.py) would not apply that.
        "created_at": utcnow(),
    }


@cache
def insert_event() -> Insert:
    """Built once (every write records an event), a Core insert: no ORM object to flush. Its
    parameters are `event_values`' names."""
    table: Table = AuditEvent.__table__  # type: ignore[assignment]
    names = (
        "team_id",
        "actor_id",
        "action",
        "entity_type",
        "entity_id",
        "before",
        "after",
        "created_at",
    )
    return insert(table).values({name: bindparam(name) for name in names})
