"""Projects: named lists of candidates (a role being hired for, a sourcing list)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from reachout import audit
from reachout.errors import Conflict, Invalid, NotFound
from reachout.kit.pagination import DEFAULT_LIMIT, Page, paginate
from reachout.kit.time import now
from reachout.models import Project, User
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
    project = repository.get(session, team_id=team_id, project_id=project_id)
    if project is None:
        if field is None:
            raise NotFound(f"project {project_id} not found")
        raise Invalid.on(field, f"no project with id {project_id}")
    return project


def project_named(session: Session, *, team_id: int, name: str) -> Project:
    """The team's project of this name; else 404 naming it."""
    project_id = repository.project_named(session, team_id=team_id, name=name, other_than=None)
    if project_id is None:
        raise NotFound(f"no project named {name!r}")
    return require_project(session, team_id=team_id, project_id=project_id)


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
    stmt = repository.readable(actor.team_id)
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


def add_members(
    session: Session, *, actor: User, project: Project, ids: list[int], chosen: Select[Any]
) -> CandidatesAdded:
    """Add these candidates (`ids`, as the statement `chosen`; checked to be the team's by the
    caller, under `lock_members`) to the project; members already in it count once."""
    added = repository.add_members(session, project_id=project.id, ids=chosen, added_at=now())
    count = repository.candidate_counts(session, [project.id]).get(project.id, 0)
    after = {"candidate_ids": ids, "added": added}
    audit.record_change(session, actor=actor, action="add_candidates", entity=project, after=after)
    return CandidatesAdded(added=added, candidate_count=count)


def remove_members(
    session: Session, *, actor: User, project: Project, ids: list[int], chosen: Select[Any]
) -> CandidatesRemoved:
    """Take these candidates out of the project; non-members are ignored."""
    removed = repository.remove_members(session, project_id=project.id, ids=chosen)
    count = repository.candidate_counts(session, [project.id]).get(project.id, 0)
    before = {"candidate_ids": ids, "removed": removed}
    audit.record_change(
        session, actor=actor, action="remove_candidates", entity=project, before=before
    )
    return CandidatesRemoved(removed=removed, candidate_count=count)


def lock_members(session: Session, project: Project) -> None:
    """Serialise membership changes of the project until the transaction ends."""
    repository.lock_project(session, project.id)


def member_ids(session: Session, *, project_id: int) -> list[int]:
    """The ids of the project's live candidates, in order."""
    return repository.member_ids(session, project_id=project_id)


def non_members(session: Session, *, project_id: int, ids: Select[Any]) -> list[int]:
    """Those of `ids` that are not live candidates of the project, in order."""
    return repository.non_members(session, project_id=project_id, ids=ids)


def read_projects(session: Session, projects: Sequence[Project]) -> list[ProjectRead]:
    """The API's view of these projects, with their candidate counts (one query for all)."""
    counts = repository.candidate_counts(session, [p.id for p in projects])
    return [ProjectRead.of(p, candidate_count=counts.get(p.id, 0)) for p in projects]


def read_project(session: Session, project: Project) -> ProjectRead:
    return read_projects(session, [project])[0]


def project_names(session: Session, *, actor: User, project_ids: Sequence[int]) -> dict[int, str]:
    """Names of these projects of the actor's team, by id (for lists that show them)."""
    return names_in_team(session, team_id=actor.team_id, project_ids=project_ids)


def names_in_team(session: Session, *, team_id: int, project_ids: Sequence[int]) -> dict[int, str]:
    """Names of these projects of the team, by id (another team's ids are left out)."""
    if not project_ids:
        return {}
    return repository.names(session, team_id=team_id, project_ids=project_ids)


def choices(session: Session, *, team_id: int) -> list[tuple[int, str]]:
    """(id, name) of every project of the team, by name (a filter's choices)."""
    return repository.by_name(session, team_id=team_id)
