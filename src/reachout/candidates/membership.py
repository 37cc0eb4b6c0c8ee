"""Candidates in projects: adding and taking them out, all or nothing, and listing a project's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from reachout.candidates.service import list_candidates, require_candidates
from reachout.kit.pagination import DEFAULT_LIMIT, Page
from reachout.kit.sql import id_list
from reachout.models import Candidate, Project, User
from reachout.projects import service as projects
from reachout.projects.schemas import CandidatesAdded, CandidatesRemoved


def _chosen(
    session: Session, *, actor: User, project_id: int, ids: Sequence[int]
) -> tuple[Project, list[int], Select[Any]]:
    """The project, under its membership lock, and the ids asked for (each once, in order, and
    as one statement), checked to all be live candidates of the team."""
    project = projects.get_project(session, actor=actor, project_id=project_id)
    unique = sorted(set(ids))
    projects.lock_members(session, project)
    chosen = id_list(session, unique)
    require_candidates(session, team_id=actor.team_id, candidate_ids=chosen)
    return project, unique, chosen


def add_to_project(
    session: Session, *, actor: User, project_id: int, candidate_ids: Sequence[int]
) -> CandidatesAdded:
    """Add candidates to the project; all or nothing, and members already in it count once.

    The ids travel as one parameter and are checked and inserted by one statement each, so a
    list of 50,000 costs about as much as a list of 50.
    """
    project, ids, chosen = _chosen(session, actor=actor, project_id=project_id, ids=candidate_ids)
    return projects.add_members(session, actor=actor, project=project, ids=ids, chosen=chosen)


def remove_from_project(
    session: Session, *, actor: User, project_id: int, candidate_ids: Sequence[int]
) -> CandidatesRemoved:
    """Take candidates out of the project; all or nothing, and non-members are ignored."""
    project, ids, chosen = _chosen(session, actor=actor, project_id=project_id, ids=candidate_ids)
    return projects.remove_members(session, actor=actor, project=project, ids=ids, chosen=chosen)


def list_project_candidates(
    session: Session,
    *,
    actor: User,
    project_id: int,
    q: str | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[Candidate]:
    project = projects.get_project(session, actor=actor, project_id=project_id)
    return list_candidates(
        session, actor=actor, q=q, project_id=project.id, limit=limit, cursor=cursor
    )
