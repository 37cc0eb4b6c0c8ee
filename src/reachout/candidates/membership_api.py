"""The API of candidates in projects (under the projects tag: they are a project's members)."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Query
from sqlalchemy.orm import Session

from reachout.candidates import membership, service
from reachout.candidates.schemas import CandidateIds, CandidateRead
from reachout.idempotency import IDEMPOTENT
from reachout.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRead
from reachout.models import User
from reachout.problems import PROBLEM_RESPONSES
from reachout.projects.schemas import CandidatesAdded, CandidatesRemoved
from reachout.routing import ApiRoute, get_session
from reachout.users.auth import current_user

router = APIRouter(tags=["projects"], route_class=ApiRoute, responses=PROBLEM_RESPONSES)


@router.post(
    "/projects/{project_id}/candidates", response_model=CandidatesAdded, openapi_extra=IDEMPOTENT
)
def add_candidates(
    project_id: int,
    body: CandidateIds,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> CandidatesAdded:
    """Add candidates to a project; an id that is not your team's candidate adds nothing."""
    return membership.add_to_project(
        session, actor=user, project_id=project_id, candidate_ids=body.candidate_ids
    )


@router.delete("/projects/{project_id}/candidates", response_model=CandidatesRemoved)
def remove_candidates(
    project_id: int,
    body: CandidateIds = Body(),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> CandidatesRemoved:
    """Take candidates out of a project (they stay in your team)."""
    return membership.remove_from_project(
        session, actor=user, project_id=project_id, candidate_ids=body.candidate_ids
    )


@router.get("/projects/{project_id}/candidates", response_model=PageRead[CandidateRead])
def list_project_candidates(
    project_id: int,
    q: str | None = Query(
        default=None, max_length=200, description="Part of a name, email, company or title"
    ),
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> PageRead[CandidateRead]:
    """The candidates of a project, oldest first."""
    page = membership.list_project_candidates(
        session, actor=user, project_id=project_id, q=q, limit=limit, cursor=cursor
    )
    items = service.read_candidates(session, page.items)
    return PageRead[CandidateRead](items=items, next_cursor=page.next_cursor)
