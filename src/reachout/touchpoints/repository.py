"""The touchpoint queries the services build on. Every read of a team's ledger starts from
`readable(team_id)`: its live touchpoints, never another team's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    ScalarSelect,
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
from reachout.models import Batch, Candidate, CandidateEmail, Touchpoint
from reachout.models.base import UTCDateTime
from reachout.models.enums import DesignationMode, Kind, ReplyStatus
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


def last_outreach_channel(session: Session, *, team_id: int, candidate_id: int) -> str | None:
    """The channel of the candidate's latest live outreach (the timeline's order), if any.

    Read from the team's candidate with `latest_of_candidate` (one walk back along the
    candidate's history); a touchpoint query with a team_id term would walk the team's."""
    stmt = select(latest_of_candidate(Touchpoint.channel, kind=Kind.outreach)).where(
        _team_candidates(team_id), Candidate.id == candidate_id
    )
    channel: str | None = session.scalar(stmt)
    return channel


def latest_of_candidate(column: Any, *, kind: Kind | None = None) -> ScalarSelect[Any]:
    """`column` of the latest live touchpoint (of `kind`; None: of any kind) of the candidate
    that the enclosing statement is at, in the history's order.

    Correlated with `Candidate.id` of a statement that starts from the team's live candidates
    (`candidates.repository.readable`, or a team's candidates as below): their touchpoints are
    all the team's. One walk back along ix_touchpoint_candidate_live per candidate. No team_id
    term here: with one, SQLite's planner (which has no statistics) walks the team's whole
    history along ix_touchpoint_team_occurred for every candidate instead.
    """
    stmt = select(column).where(
        Touchpoint.candidate_id == Candidate.id, Touchpoint.deleted_at.is_(None)
    )
    if kind is not None:
        stmt = stmt.where(Touchpoint.kind == kind.value)
    latest = stmt.order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc()).limit(1)
    return latest.correlate(Candidate).scalar_subquery()


def _team_candidates(team_id: int) -> ColumnElement[bool]:
    return and_(Candidate.team_id == team_id, Candidate.deleted_at.is_(None))


def last_contacts(
    session: Session, *, team_id: int, candidate_ids: Sequence[int]
) -> Sequence[Row[int, Any, Any, str | None]]:
    """(candidate id, last outreach at, latest reply at, its status) of each of these
    candidates (a page of a list)."""
    stmt = select(
        Candidate.id,
        latest_of_candidate(Touchpoint.occurred_at, kind=Kind.outreach),
        latest_of_candidate(Touchpoint.occurred_at, kind=Kind.reply),
        latest_of_candidate(Touchpoint.reply_status, kind=Kind.reply),
    ).where(_team_candidates(team_id), Candidate.id.in_(candidate_ids))
    return session.execute(stmt).all()


def due_follow_ups(
    session: Session,
    *,
    team_id: int,
    user_id: int,
    outreach_by: date,
    later_by: date,
    after: tuple[datetime, int] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """The team's candidates with a follow-up due from `user_id`, oldest first (by their latest
    touchpoint, then its id), after the position `after` (its time and id).

    Due: the candidate's latest live touchpoint is an outreach credited to the user on
    `outreach_by` or before (no reply since); or it is a reply marked "later" on `later_by` or
    before (no outreach since), and the user is credited with the candidate's latest outreach
    (with none: with the reply). Days are the touchpoints' `local_day`, the team's calendar.
    Each row: `candidate_id`, `name`, `primary_email`, the latest touchpoint's `kind`, `at`,
    `touch_id` and `day`, and the latest outreach's `outreach_at` and `outreach_channel`.
    """
    kind = latest_of_candidate(Touchpoint.kind)
    day = latest_of_candidate(Touchpoint.local_day)
    credited = latest_of_candidate(Touchpoint.user_id)
    owner = func.coalesce(latest_of_candidate(Touchpoint.user_id, kind=Kind.outreach), credited)
    no_reply = and_(kind == Kind.outreach.value, credited == user_id, day <= outreach_by)
    later = and_(
        kind == Kind.reply.value,
        latest_of_candidate(Touchpoint.reply_status) == ReplyStatus.later.value,
        day <= later_by,
        owner == user_id,
    )
    at, touch_id = latest_of_candidate(Touchpoint.occurred_at), latest_of_candidate(Touchpoint.id)
    primary_email = (
        select(CandidateEmail.email)
        .where(CandidateEmail.candidate_id == Candidate.id)
        .order_by(CandidateEmail.position)
        .limit(1)
        .correlate(Candidate)
        .scalar_subquery()
    )
    at_label, touch_id_label = at.label("at"), touch_id.label("touch_id")
    stmt = select(
        Candidate.id.label("candidate_id"),
        Candidate.name,
        primary_email.label("primary_email"),
        kind.label("kind"),
        at_label,
        touch_id_label,
        day.label("day"),
        latest_of_candidate(Touchpoint.occurred_at, kind=Kind.outreach).label("outreach_at"),
        latest_of_candidate(Touchpoint.channel, kind=Kind.outreach).label("outreach_channel"),
    ).where(_team_candidates(team_id), or_(no_reply, later))
    if after is not None:
        after_at, after_id = after
        stmt = stmt.where(or_(at > after_at, and_(at == after_at, touch_id > after_id)))
    return session.execute(stmt.order_by(at_label, touch_id_label).limit(limit)).all()


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
    constants = _constants(values)
    if values["designation_mode"] == DesignationMode.auto.value:
        constants["designation"] = designation_of_new_outreach(
            ids.c[0], constants["occurred_at"], reengage_after_days
        )
    rows = select(ids.c[0], *constants.values())
    session.execute(insert(Touchpoint).from_select(["candidate_id", *constants], rows))


def insert_designated(session: Session, values: dict[str, Any], *, designated: Any) -> None:
    """One touchpoint of `values` for each row of `designated` (a FROM clause of `id`, the
    candidate, and `value`, its designation decided already), in one INSERT ... SELECT."""
    constants = _constants({k: v for k, v in values.items() if k != "designation"})
    constants["designation"] = designated.c.value
    rows = select(designated.c.id, *constants.values())
    session.execute(insert(Touchpoint).from_select(["candidate_id", *constants], rows))


def _constants(values: dict[str, Any]) -> dict[str, ColumnElement[Any]]:
    return {
        k: literal(v, type_=UTCDateTime()) if k in ("occurred_at", "created_at") else literal(v)
        for k, v in values.items()
    }


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
