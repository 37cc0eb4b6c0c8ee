"""The project queries the service builds on; membership in set-based SQL, one statement per
request whatever the list's size. Every read of a team's projects starts from `readable`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, exists, func, insert, literal, select
from sqlalchemy.orm import Session

from reachout.kit.types import is_db_id
from reachout.models import Candidate, Project, ProjectCandidate
from reachout.models.base import UTCDateTime


def readable(team_id: int) -> Select[Project]:
    """The team's projects."""
    return select(Project).where(Project.team_id == team_id)


def get(session: Session, *, team_id: int, project_id: int) -> Project | None:
    if not is_db_id(project_id):
        return None
    return session.scalar(readable(team_id).where(Project.id == project_id))


def names(session: Session, *, team_id: int, project_ids: Sequence[int]) -> dict[int, str]:
    rows = session.execute(
        select(Project.id, Project.name).where(
            Project.team_id == team_id, Project.id.in_(set(project_ids))
        )
    )
    return {project_id: name for project_id, name in rows}


def by_name(session: Session, *, team_id: int) -> list[tuple[int, str]]:
    stmt = select(Project.id, Project.name).where(Project.team_id == team_id)
    return [(project_id, name) for project_id, name in session.execute(stmt.order_by(Project.name))]


def _live_members(project_id: int) -> Select[int]:
    return (
        select(ProjectCandidate.candidate_id)
        .join(Candidate, Candidate.id == ProjectCandidate.candidate_id)
        .where(ProjectCandidate.project_id == project_id, Candidate.deleted_at.is_(None))
    )


def member_ids(session: Session, *, project_id: int) -> list[int]:
    """The ids of the project's candidates that are not deleted, in order."""
    stmt = _live_members(project_id).order_by(ProjectCandidate.candidate_id)
    return list(session.scalars(stmt))


def non_members(session: Session, *, project_id: int, ids: Select[Any]) -> list[int]:
    chosen = ids.subquery("chosen")
    stmt = (
        select(chosen.c[0])
        .where(chosen.c[0].not_in(_live_members(project_id)))
        .order_by(chosen.c[0])
    )
    return list(session.scalars(stmt))


def lock_project(session: Session, project_id: int) -> None:
    """Serialise membership changes of one project until the transaction ends.

    Two requests adding the same candidate at once would otherwise both find them missing and
    the second would fail on the primary key. PostgreSQL: FOR NO KEY UPDATE, which leaves
    inserts that merely reference the project (touchpoints) alone. SQLite: a no-op, a write
    transaction holds the database's write lock already (reachout.db).
    """
    session.execute(
        select(Project.id).where(Project.id == project_id).with_for_update(key_share=True)
    ).all()


def add_members(session: Session, *, project_id: int, ids: Select[Any], added_at: datetime) -> int:
    """Add the candidates not yet in the project (INSERT ... SELECT); how many were added."""
    wanted = ids.subquery("wanted")
    wanted_id = wanted.c[0]
    member = exists().where(
        ProjectCandidate.project_id == project_id, ProjectCandidate.candidate_id == wanted_id
    )
    rows = (
        select(literal(project_id), wanted_id, literal(added_at, type_=UTCDateTime()))
        .where(~member)
        .distinct()
    )
    columns = ["project_id", "candidate_id", "added_at"]
    # Drivers report an INSERT's row count only when asked to keep it.
    result = session.execute(
        insert(ProjectCandidate)
        .from_select(columns, rows)
        .execution_options(preserve_rowcount=True)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def remove_members(session: Session, *, project_id: int, ids: Select[Any]) -> int:
    wanted = ids.subquery("wanted")
    result = session.execute(
        delete(ProjectCandidate)
        .where(
            ProjectCandidate.project_id == project_id,
            ProjectCandidate.candidate_id.in_(select(wanted.c[0])),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def candidate_counts(session: Session, project_ids: Sequence[int]) -> dict[int, int]:
    """Live candidates per project (deleted candidates keep their rows but count for nothing)."""
    if not project_ids:
        return {}
    rows = session.execute(
        select(ProjectCandidate.project_id, func.count())
        .join(Candidate, Candidate.id == ProjectCandidate.candidate_id)
        .where(ProjectCandidate.project_id.in_(project_ids), Candidate.deleted_at.is_(None))
        .group_by(ProjectCandidate.project_id)
    )
    return {project_id: count for project_id, count in rows}


def project_named(
    session: Session, *, team_id: int, name: str, other_than: int | None
) -> int | None:
    stmt = select(Project.id).where(Project.team_id == team_id, Project.name == name)
    if other_than is not None:
        stmt = stmt.where(Project.id != other_than)
    return session.scalar(stmt.limit(1))
