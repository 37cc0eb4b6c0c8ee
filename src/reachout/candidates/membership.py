"""Candidates in projects: adding and taking them out, all or nothing, and listing a project's."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from reachout.candidates.schemas import CandidateSearch
from reachout.candidates.service import list_candidates, matching_ids, require_candidates
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


# Candidates chosen on a page: the ticked ones, or every one a search finds (select-all).
Chosen = Sequence[int] | CandidateSearch


@dataclass(frozen=True)
class MembershipChange:
    """What adding (or removing) did, as a page says it: of `chosen` distinct candidates,
    `changed` were added to (or removed from) the project."""

    project_id: int
    project_name: str
    chosen: int
    changed: int

    @property
    def unchanged(self) -> int:
        return self.chosen - self.changed


def _chosen_ids(session: Session, *, actor: User, chosen: Chosen) -> list[int]:
    if isinstance(chosen, CandidateSearch):
        # One SELECT of ids, which then travel back as one parameter: the set is fixed once,
        # so what is added is exactly what the audit record lists.
        return matching_ids(session, actor=actor, search=chosen)
    return sorted(set(chosen))


def _change(
    session: Session,
    *,
    actor: User,
    project_id: int,
    chosen: Chosen,
    field: str | None,
    apply: Callable[[list[int]], int],
) -> MembershipChange:
    """Resolve the chosen candidates and `apply` the change to them; the project's id came in
    a path, or in the form's `field` (then another team's project is a 422 on it)."""
    project = projects.require_project(
        session, team_id=actor.team_id, project_id=project_id, field=field
    )
    ids = _chosen_ids(session, actor=actor, chosen=chosen)
    changed = apply(ids) if ids else 0
    return MembershipChange(project.id, project.name, chosen=len(ids), changed=changed)


def add_chosen(
    session: Session, *, actor: User, project_id: int, chosen: Chosen, field: str | None = None
) -> MembershipChange:
    """Add the chosen candidates to the project, as `add_to_project` does."""

    def add(ids: list[int]) -> int:
        return add_to_project(session, actor=actor, project_id=project_id, candidate_ids=ids).added

    return _change(
        session, actor=actor, project_id=project_id, chosen=chosen, field=field, apply=add
    )


def remove_chosen(
    session: Session, *, actor: User, project_id: int, chosen: Chosen, field: str | None = None
) -> MembershipChange:
    """Take the chosen candidates out of the project, as `remove_from_project` does."""

    def remove(ids: list[int]) -> int:
        result = remove_from_project(session, actor=actor, project_id=project_id, candidate_ids=ids)
        return result.removed

    return _change(
        session, actor=actor, project_id=project_id, chosen=chosen, field=field, apply=remove
    )


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
    search = CandidateSearch(q=q, project_id=project.id)
    return list_candidates(session, actor=actor, search=search, limit=limit, cursor=cursor)
