"""The touchpoint queries the services build on. Every read of a team's ledger starts from
`readable(team_id)`: its live touchpoints, never another team's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    and_,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from reachout.kit.sql import lock_team_row
from reachout.kit.types import is_db_id
from reachout.models import Batch, Candidate, Touchpoint
from reachout.models.base import UTCDateTime
from reachout.models.enums import DesignationMode, Kind
from reachout.projection.designations import designation_of_new_outreach


def readable(team_id: int) -> Select[Touchpoint]:
    """The team's live touchpoints."""
    return select(Touchpoint).where(Touchpoint.team_id == team_id, Touchpoint.deleted_at.is_(None))


def filtered(
    team_id: int,
    *,
    occurred_from: datetime | None,
    occurred_to: datetime | None,
    **equal_to: int | str | None,
) -> Select[Touchpoint]:
    """The team's live touchpoints whose columns named in `equal_to` have those values (None:
    any) and that occurred between the two instants (inclusive; None: open)."""
    stmt = readable(team_id)
    for name, value in equal_to.items():
        if value is not None:
            stmt = stmt.where(getattr(Touchpoint, name) == value)
    if occurred_from is not None:
        stmt = stmt.where(Touchpoint.occurred_at >= occurred_from)
    if occurred_to is not None:
        stmt = stmt.where(Touchpoint.occurred_at <= occurred_to)
    return stmt


def lock_history(session: Session, *, team_id: int, candidate_id: int) -> None:
    """Serialise the writers of one candidate's history until the transaction ends.

    Auto designations are decided from the candidate's other touchpoints, so two transactions
    logging for one candidate at once must not both decide on a history without the other's
    row (SPEC §2 rule 5). The lock is the candidate's row, in the team's shared lock that a
    bulk write takes exclusively (`kit.sql.lock_team_row`).
    """
    lock_team_row(session, cast(Table, Candidate.__table__), team_id=team_id, row_id=candidate_id)


def get_live(session: Session, *, team_id: int, touchpoint_id: int) -> Touchpoint | None:
    if not is_db_id(touchpoint_id):
        return None
    return session.scalar(readable(team_id).where(Touchpoint.id == touchpoint_id))


def entry(session: Session, *, candidate_id: int, touchpoint_id: int) -> Touchpoint | None:
    """A touchpoint of the candidate's, deleted or not."""
    touchpoint = session.get(Touchpoint, touchpoint_id) if is_db_id(touchpoint_id) else None
    return touchpoint if touchpoint and touchpoint.candidate_id == candidate_id else None


def candidate_of(session: Session, touchpoint: Touchpoint) -> Candidate:
    candidate = session.get(Candidate, touchpoint.candidate_id)
    assert candidate is not None  # a foreign key
    return candidate


def of_candidate(session: Session, *, team_id: int, candidate_id: int) -> list[Touchpoint]:
    """The candidate's live touchpoints, in id order."""
    stmt = readable(team_id).where(Touchpoint.candidate_id == candidate_id)
    return list(session.scalars(stmt.order_by(Touchpoint.id)))


def delete_of_candidate(session: Session, *, candidate_id: int, at: datetime) -> None:
    """Mark every live touchpoint of the candidate deleted at `at`."""
    _delete(session, Touchpoint.candidate_id == candidate_id, at=at)


def timeline(
    session: Session, *, team_id: int, candidate_id: int, after: Touchpoint | None, limit: int
) -> list[Touchpoint]:
    """Up to `limit` of the candidate's live touchpoints, newest first, older than `after`."""
    stmt = readable(team_id).where(Touchpoint.candidate_id == candidate_id)
    if after is not None:
        stmt = stmt.where(
            or_(
                Touchpoint.occurred_at < after.occurred_at,
                and_(Touchpoint.occurred_at == after.occurred_at, Touchpoint.id < after.id),
            )
        )
    stmt = stmt.order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def last_outreach(
    session: Session, *, team_id: int, candidate_ids: Sequence[int]
) -> list[tuple[int, Any]]:
    """(candidate id, when) of each of these candidates' latest live outreach."""
    stmt = (
        select(Touchpoint.candidate_id, func.max(Touchpoint.occurred_at))
        .where(
            Touchpoint.team_id == team_id,
            Touchpoint.candidate_id.in_(candidate_ids),
            Touchpoint.deleted_at.is_(None),
            Touchpoint.kind == Kind.outreach.value,
        )
        .group_by(Touchpoint.candidate_id)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


def last_outreach_channel(session: Session, *, team_id: int, candidate_id: int) -> str | None:
    """The channel of the candidate's latest live outreach (the timeline's order), if any."""
    stmt = (
        readable(team_id)
        .with_only_columns(Touchpoint.channel)
        .where(Touchpoint.candidate_id == candidate_id, Touchpoint.kind == Kind.outreach.value)
        .order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc())
        .limit(1)
    )
    channel: str | None = session.scalar(stmt)
    return channel


def latest_replies(
    session: Session, *, team_id: int, candidate_ids: Sequence[int]
) -> list[tuple[int, Any, str | None]]:
    """(candidate id, when, reply status) of each of these candidates' latest live reply."""
    order = func.row_number().over(
        partition_by=Touchpoint.candidate_id,
        order_by=(Touchpoint.occurred_at.desc(), Touchpoint.id.desc()),
    )
    replies = (
        select(Touchpoint.candidate_id, Touchpoint.occurred_at, Touchpoint.reply_status, order)
        .where(
            Touchpoint.team_id == team_id,
            Touchpoint.candidate_id.in_(candidate_ids),
            Touchpoint.deleted_at.is_(None),
            Touchpoint.kind == Kind.reply.value,
        )
        .subquery()
    )
    latest = select(replies.c.candidate_id, replies.c.occurred_at, replies.c.reply_status).where(
        replies.c[3] == 1
    )
    return [(row[0], row[1], row[2]) for row in session.execute(latest)]


def insert_for_each(
    session: Session,
    values: dict[str, Any],
    *,
    candidate_ids: Select[Any],
    reengage_after_days: int | None,
) -> None:
    """One touchpoint of `values` for each of these candidates, in one INSERT ... SELECT.
    Auto outreach are written with the designation their histories give them, so the rows
    are written once, already right."""
    ids = candidate_ids.subquery("ids")
    constants: dict[str, ColumnElement[Any]] = {
        k: literal(v, type_=UTCDateTime()) if k in ("occurred_at", "created_at") else literal(v)
        for k, v in values.items()
    }
    if values["designation_mode"] == DesignationMode.auto.value:
        constants["designation"] = designation_of_new_outreach(
            ids.c[0], constants["occurred_at"], reengage_after_days
        )
    rows = select(ids.c[0], *constants.values())
    session.execute(insert(Touchpoint).from_select(["candidate_id", *constants], rows))


def get_batch(session: Session, *, team_id: int, batch_id: int) -> Batch | None:
    batch = session.get(Batch, batch_id) if is_db_id(batch_id) else None
    return batch if batch is not None and batch.team_id == team_id else None


def batch_designations(session: Session, *, batch_id: int) -> dict[str | None, int]:
    """The batch's live touchpoints counted by designation."""
    rows = session.execute(
        select(Touchpoint.designation, func.count())
        .where(Touchpoint.batch_id == batch_id, Touchpoint.deleted_at.is_(None))
        .group_by(Touchpoint.designation)
    )
    return {designation: n for designation, n in rows}


def batch_rows(session: Session, *, batch_id: int) -> Sequence[Row[int, datetime, str]]:
    """(candidate_id, occurred_at, kind) of each live touchpoint of the batch."""
    return session.execute(
        select(Touchpoint.candidate_id, Touchpoint.occurred_at, Touchpoint.kind).where(
            Touchpoint.batch_id == batch_id, Touchpoint.deleted_at.is_(None)
        )
    ).all()


def delete_batch(session: Session, *, batch_id: int, at: datetime) -> ColumnElement[bool]:
    """Mark the batch's live touchpoints deleted at `at`; the condition that selects them."""
    _delete(session, Touchpoint.batch_id == batch_id, at=at)
    return and_(Touchpoint.batch_id == batch_id, Touchpoint.deleted_at == at)


def _delete(session: Session, which: ColumnElement[bool], *, at: datetime) -> None:
    """Soft delete: the live touchpoints `which` selects are kept, marked deleted at `at`."""
    session.execute(
        update(Touchpoint)
        .where(which, Touchpoint.deleted_at.is_(None))
        .values(deleted_at=at)
        .execution_options(synchronize_session=False)
    )
