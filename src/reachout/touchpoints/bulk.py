"""Bulk logging from a project and undo of a batch (SPEC §2 rule 7), in set-based SQL.

A bulk request writes up to 50,000 touchpoints. It never builds ORM objects per candidate:
the ids travel as one parameter and one INSERT ... SELECT writes the rows. A bulk at the end
of the chosen histories (the usual bulk "now") has its designations decided from one read
before it writes (`projection.appending_many`); any other goes through `history_change`,
which resolves every auto designation of the affected candidates from the bulk's instant on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from reachout import audit
from reachout.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from reachout.kit.sql import id_list, id_text_list, lock_team_histories
from reachout.kit.time import local_day, now
from reachout.models import Batch, Touchpoint, User
from reachout.models.enums import Designation, DesignationMode, Kind, Role, Source
from reachout.projection import appending_many
from reachout.projection.changes import history_change
from reachout.projects import service as projects
from reachout.touchpoints import repository
from reachout.touchpoints.schemas import BulkCreate, BulkResult
from reachout.touchpoints.service import check_references, designation_columns

# How many offending ids the error's one-line detail spells out (`errors` lists them all).
DETAIL_IDS = 10


def _chosen_candidates(
    session: Session, *, project_id: int, data: BulkCreate, limit: int
) -> list[int]:
    """The candidate ids to write for, checked to all be live members of the project."""
    if data.all:
        return projects.member_ids(session, project_id=project_id)
    # Counted as sent, before duplicates go: the cap bounds the work of reading the request.
    if len(data.candidate_ids or []) > limit:
        raise Invalid.on("candidate_ids", f"at most {limit:,} candidates in one request")
    ids = sorted(set(data.candidate_ids or []))
    strangers = projects.non_members(session, project_id=project_id, ids=id_list(session, ids))
    if strangers:
        shown = ", ".join(str(i) for i in strangers[:DETAIL_IDS])
        more = f" and {len(strangers) - DETAIL_IDS} more" if len(strangers) > DETAIL_IDS else ""
        raise Invalid(
            detail=f"not candidates of project {project_id}: {shown}{more}; nothing was logged",
            errors=[FieldError("not a candidate of this project", id=i) for i in strangers],
        )
    return ids


def log_bulk(
    session: Session, *, actor: User, project_id: int, data: BulkCreate, limit: int = 50_000
) -> BulkResult:
    team_id = actor.team_id
    projects.require_project(session, team_id=team_id, project_id=project_id)
    lock_team_histories(session, team_id=team_id)
    check_references(
        session,
        actor=actor,
        project_id=None,
        user_id=data.user_id,
        on_behalf_of_user_id=data.on_behalf_of_user_id,
    )
    chosen = _chosen_candidates(session, project_id=project_id, data=data, limit=limit)
    if not chosen:
        raise Invalid.on("all", f"project {project_id} has no candidates to log for")
    batch = Batch(team_id=team_id, project_id=project_id, created_by_id=actor.id)
    session.add(batch)
    session.flush()
    at = data.occurred_at or now()
    values = _row_values(actor=actor, batch=batch, project_id=project_id, data=data, at=at)
    counts = _log_at_the_end(session, actor=actor, values=values, data=data, chosen=chosen)
    if counts is None:
        counts = _log_anywhere(session, actor=actor, values=values, data=data, chosen=chosen)
    batch.created, batch.initial, batch.follow_up = (
        counts["created"],
        counts["initial"],
        counts["follow_up"],
    )
    audit.record_change(
        session,
        actor=actor,
        action="create",
        entity=batch,
        after={**data.model_dump(mode="json", exclude={"candidate_ids"}), **counts},
    )
    return BulkResult(batch_id=batch.id, **counts)


def _log_at_the_end(
    session: Session, *, actor: User, values: dict[str, Any], data: BulkCreate, chosen: list[int]
) -> dict[str, int] | None:
    """The bulk when nothing live follows its instant in the chosen candidates' histories (a
    bulk "now"): designations decided from one read, threads and activity updated from them
    (`projection.appending_many`). None, having written nothing, when something follows."""
    team = actor.team
    auto = values["designation_mode"] == DesignationMode.auto.value
    at = values["occurred_at"]
    ends = appending_many.history_ends(
        session, team=team, candidate_ids=chosen, at=at, auto_outreach=auto
    )
    if ends is None:
        return None
    rows = appending_many.designated(
        ends,
        kind=data.kind,
        designation=values["designation"],
        auto=auto,
        reengage=team.reengage_after_days,
    )
    repository.insert_designated(session, values, designated=id_text_list(session, rows))
    new = Touchpoint.batch_id == values["batch_id"]
    return appending_many.appended(session, ends=ends, rows=rows, new=new, values=values)


def _log_anywhere(
    session: Session, *, actor: User, values: dict[str, Any], data: BulkCreate, chosen: list[int]
) -> dict[str, int]:
    """The bulk at any instant: the rows inserted resolved, then everything derived from the
    chosen candidates' histories from the bulk's instant on is brought up to date."""
    # The new rows are inserted already resolved; from their instant on, later auto outreach
    # of the same candidates (a backdated bulk) and the threads around them may change.
    with history_change(
        session, team=actor.team, candidate_ids=chosen, since=values["occurred_at"]
    ) as change:
        repository.insert_for_each(
            session,
            values,
            candidate_ids=id_list(session, chosen),
            reengage_after_days=actor.team.reengage_after_days,
        )
        change.appended(
            Touchpoint.batch_id == values["batch_id"],
            kind=data.kind,
            reply_status=values["reply_status"],
            resolved=True,
        )
    return _count_batch(session, values["batch_id"])


def _row_values(
    *, actor: User, batch: Batch, project_id: int, data: BulkCreate, at: datetime
) -> dict[str, Any]:
    """Every column of the bulk's rows but the candidate (an Auto designation: a placeholder)."""
    return {
        "team_id": actor.team_id,
        "kind": data.kind.value,
        "channel": data.channel.value,
        "reply_status": data.reply_status.value if data.reply_status else None,
        "note": data.note,
        "occurred_at": at,
        "local_day": local_day(at, actor.team.time_zone),
        "project_id": project_id,
        "user_id": data.user_id or actor.id,
        "on_behalf_of_user_id": data.on_behalf_of_user_id,
        "created_by_id": actor.id,
        "created_at": now(),
        "batch_id": batch.id,
        "source": Source.manual.value,
        **designation_columns(data.kind, data.designation),
    }


def _count_batch(session: Session, batch_id: int) -> dict[str, int]:
    by = repository.batch_designations(session, batch_id=batch_id)
    return {
        "created": sum(by.values()),
        "initial": by.get(Designation.initial.value, 0),
        "follow_up": by.get(Designation.follow_up.value, 0),
    }


def get_batch(session: Session, *, actor: User, batch_id: int) -> Batch:
    batch = repository.get_batch(session, team_id=actor.team_id, batch_id=batch_id)
    if batch is None:
        raise NotFound(f"batch {batch_id} not found")
    return batch


def undo_batch(session: Session, *, actor: User, batch_id: int) -> Batch:
    """Delete every touchpoint of the batch and re-resolve the candidates it touched."""
    batch = get_batch(session, actor=actor, batch_id=batch_id)
    if actor.role != Role.admin and batch.created_by_id != actor.id:
        raise Forbidden("you can only undo your own bulk actions (admins can undo any)")
    if batch.undone_at is not None:
        raise Conflict(f"batch {batch_id} was undone already")
    lock_team_histories(session, team_id=actor.team_id)
    rows = repository.batch_rows(session, batch_id=batch.id)
    in_batch = [row.candidate_id for row in rows]
    since = min((row.occurred_at for row in rows), default=None)
    moment = now()
    with history_change(session, team=actor.team, candidate_ids=in_batch, since=since) as change:
        deleted = repository.delete_batch(session, batch_id=batch.id, at=moment)
        if all(row.kind == Kind.outreach.value and row.occurred_at == since for row in rows):
            change.removed(deleted)
    batch.undone_at = moment
    batch.undone_by_id = actor.id
    audit.record_change(
        session,
        actor=actor,
        action="undo",
        entity=batch,
        before={"created": batch.created, "initial": batch.initial, "follow_up": batch.follow_up},
    )
    session.flush()
    return batch
