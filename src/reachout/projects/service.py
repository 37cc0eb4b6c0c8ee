"""Projects: named lists of candidates (a role being hired for, a sourcing list)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout import audit
from reachout.candidates import service as candidates
from reachout.errors import Conflict, Invalid, NotFound
from reachout.kit.pagination import DEFAULT_LIMIT, Page, paginate
from reachout.kit.sql import id_list
from reachout.kit.time import now
from reachout.kit.types import is_db_id
from reachout.models import Candidate, Project, User
from reachout.projects import repository
from reachout.projects.schemas import (
    CandidatesAdded,
    CandidatesRemoved,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
)


def require_project(
    session: Session, *, team_id: int, project_id: int, field: str | None = None
) -> Project:
    """A project of the team; else 404 (an id in a path) or 422 on `field` (in a body or query).

    Another team's project is answered exactly as one that does not exist.
    """
    project = session.get(Project, project_id) if is_db_id(project_id) else None
    if project is None or project.team_id != team_id:
        if field is None:
            raise NotFound(f"project {project_id} not found")
        raise Invalid.on(field, f"no project with id {project_id}")
    return project


def _check_name_free(session: Session, *, team_id: int, name: str, project_id: int | None) -> None:
    existing = repository.project_named(session, team_id=team_id, name=name, other_than=project_id)
    if existing is not None:
        raise Conflict(
            f"project {existing} is named {name!r} already", extra={"existing_id": existing}
        )


def create_project(session: Session, *, actor: User, data: ProjectCreate) -> Project:
    _check_name_free(session, team_id=actor.team_id, name=data.name, project_id=None)
    project = Project(
        team_id=actor.team_id,
        name=data.name,
        description=data.description,
        created_by_id=actor.id,
    )
    session.add(project)
    session.flush()
    audit.record_change(
        session, actor=actor, action="create", entity=project, after=audit.snapshot(project)
    )
    return project


def get_project(session: Session, *, actor: User, project_id: int) -> Project:
    return require_project(session, team_id=actor.team_id, project_id=project_id)


def list_projects(
    session: Session, *, actor: User, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Page[Project]:
    stmt = select(Project).where(Project.team_id == actor.team_id)
    return paginate(session, stmt, id_column=Project.id, limit=limit, cursor=cursor)


def update_project(
    session: Session, *, actor: User, project_id: int, changes: ProjectUpdate
) -> Project:
    project = require_project(session, team_id=actor.team_id, project_id=project_id)
    before = audit.snapshot(project)
    if changes.name is not None:
        _check_name_free(session, team_id=actor.team_id, name=changes.name, project_id=project.id)
    for field in changes.model_fields_set:
        setattr(project, field, getattr(changes, field))
    session.flush()
    after = audit.snapshot(project)
    audit.record_change(
        session, actor=actor, action="update", entity=project, before=before, after=after
    )
    return project


def add_candidates(
    session: Session, *, actor: User, project_id: int, candidate_ids: Sequence[int]
) -> CandidatesAdded:
    """Add candidates to the project; all or nothing, and members already in it count once.

    The ids travel as one parameter and are checked and inserted by one statement each, so a
    list of 50,000 costs about as much as a list of 50.
    """
    project = require_project(session, team_id=actor.team_id, project_id=project_id)
    ids = sorted(set(candidate_ids))
    repository.lock_project(session, project.id)
    chosen = id_list(session, ids)
    candidates.require_candidates(session, team_id=actor.team_id, candidate_ids=chosen)
    added = repository.add_members(session, project_id=project.id, ids=chosen, added_at=now())
    count = repository.candidate_counts(session, [project.id]).get(project.id, 0)
    after = {"candidate_ids": ids, "added": added}
    audit.record_change(session, actor=actor, action="add_candidates", entity=project, after=after)
    return CandidatesAdded(added=added, candidate_count=count)


def remove_candidates(
    session: Session, *, actor: User, project_id: int, candidate_ids: Sequence[int]
) -> CandidatesRemoved:
    """Take candidates out of the project; all or nothing, and non-members are ignored."""
    project = require_project(session, team_id=actor.team_id, project_id=project_id)
    ids = sorted(set(candidate_ids))
    repository.lock_project(session, project.id)
    chosen = id_list(session, ids)
    candidates.require_candidates(session, team_id=actor.team_id, candidate_ids=chosen)
    removed = repository.remove_members(session, project_id=project.id, ids=chosen)
    count = repository.candidate_counts(session, [project.id]).get(project.id, 0)
    before = {"candidate_ids": ids, "removed": removed}
    audit.record_change(
        session, actor=actor, action="remove_candidates", entity=project, before=before
    )
    return CandidatesRemoved(removed=removed, candidate_count=count)


def list_project_candidates(
    session: Session,
    *,
    actor: User,
    project_id: int,
    q: str | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[Candidate]:
    project = require_project(session, team_id=actor.team_id, project_id=project_id)
    return candidates.list_candidates(
        session, actor=actor, q=q, project_id=project.id, limit=limit, cursor=cursor
    )


def read_projects(session: Session, projects: Sequence[Project]) -> list[ProjectRead]:
    """The API's view of these projects, with their candidate counts (one query for all)."""
    counts = repository.candidate_counts(session, [p.id for p in projects])
    return [ProjectRead.of(p, candidate_count=counts.get(p.id, 0)) for p in projects]


def read_project(session: Session, project: Project) -> ProjectRead:
    return read_projects(session, [project])[0]


def project_names(session: Session, *, actor: User, project_ids: Sequence[int]) -> dict[int, str]:
    """Names of these projects of the actor's team, by id (for lists that show them)."""
    if not project_ids:
        return {}
    rows = session.execute(
        select(Project.id, Project.name).where(
            Project.team_id == actor.team_id, Project.id.in_(set(project_ids))
        )
    )
    return {project_id: name for project_id, name in rows}
