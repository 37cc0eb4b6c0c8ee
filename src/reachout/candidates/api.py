from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.orm import Session

from reachout.candidates import service
from reachout.candidates.schemas import (
    CandidateCreate,
    CandidateRead,
    CandidateSearch,
    CandidateUpdate,
    ContactedParam,
    DayParam,
    IdParam,
    ReplyParam,
)
from reachout.idempotency import IDEMPOTENT
from reachout.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRead
from reachout.models import User
from reachout.problems import PROBLEM_RESPONSES
from reachout.routing import ApiRoute, get_session
from reachout.users.auth import current_user

router = APIRouter(tags=["candidates"], route_class=ApiRoute, responses=PROBLEM_RESPONSES)


@router.post(
    "/candidates",
    response_model=CandidateRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IDEMPOTENT,
)
def create_candidate(
    body: CandidateCreate,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> CandidateRead:
    """Add a candidate; an email or LinkedIn URL your team has already answers 409."""
    candidate = service.create_candidate(session, actor=user, data=body)
    return service.read_candidate(session, candidate)


@router.get("/candidates", response_model=PageRead[CandidateRead])
def list_candidates(
    q: str | None = Query(
        default=None, max_length=200, description="Part of a name, email, company or title"
    ),
    project_id: Annotated[IdParam, Query(description="Only this project's candidates")] = None,
    email: str | None = Query(
        default=None,
        max_length=320,
        description="The candidate with this email address (case and spaces do not matter)",
    ),
    linkedin_url: str | None = Query(
        default=None,
        max_length=500,
        description="The candidate with this LinkedIn profile, in any spelling of its URL",
    ),
    contacted: Annotated[
        ContactedParam,
        Query(description="yes: with a live outreach; no: never reached out to"),
    ] = None,
    reply: Annotated[
        ReplyParam,
        Query(description="The latest reply: none (never replied), any, or its status"),
    ] = None,
    owner_id: Annotated[
        IdParam, Query(description="The team member credited with the latest outreach")
    ] = None,
    contacted_from: Annotated[
        DayParam,
        Query(
            description="Latest outreach on this day or later (YYYY-MM-DD, your team's time zone)"
        ),
    ] = None,
    contacted_to: Annotated[
        DayParam,
        Query(
            description="Latest outreach on this day or before (YYYY-MM-DD, your team's time zone)"
        ),
    ] = None,
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> PageRead[CandidateRead]:
    """Your team's candidates, oldest first; every filter given applies."""
    search = CandidateSearch(
        q=q,
        project_id=project_id,
        email=email,
        linkedin_url=linkedin_url,
        contacted=contacted,
        reply=reply,
        owner_id=owner_id,
        contacted_from=contacted_from,
        contacted_to=contacted_to,
    )
    page = service.list_candidates(session, actor=user, search=search, limit=limit, cursor=cursor)
    items = service.read_candidates(session, page.items)
    return PageRead[CandidateRead](items=items, next_cursor=page.next_cursor)


@router.get("/candidates/{candidate_id}", response_model=CandidateRead)
def get_candidate(
    candidate_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> CandidateRead:
    """One candidate."""
    candidate = service.get_candidate(session, actor=user, candidate_id=candidate_id)
    return service.read_candidate(session, candidate)


@router.patch("/candidates/{candidate_id}", response_model=CandidateRead)
def update_candidate(
    candidate_id: int,
    body: CandidateUpdate,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> CandidateRead:
    """Change any of a candidate's fields; `emails` replaces the whole list."""
    candidate = service.update_candidate(
        session, actor=user, candidate_id=candidate_id, changes=body
    )
    return service.read_candidate(session, candidate)


@router.delete("/candidates/{candidate_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_candidate(
    candidate_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> None:
    """Delete a candidate and their touchpoints; their email and LinkedIn URL become free."""
    service.delete_candidate(session, actor=user, candidate_id=candidate_id)
