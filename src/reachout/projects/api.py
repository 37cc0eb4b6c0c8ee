from __future__ import annotations

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.orm import Session

from reachout.idempotency import IDEMPOTENT
from reachout.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRead
from reachout.models import User
from reachout.problems import PROBLEM_RESPONSES
from reachout.projects import service
from reachout.projects.schemas import (
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
)
from reachout.routing import ApiRoute, get_session
from reachout.users.auth import current_user

router = APIRouter(tags=["projects"], route_class=ApiRoute, responses=PROBLEM_RESPONSES)


@router.post(
    "/projects",
    response_model=ProjectRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IDEMPOTENT,
)
def create_project(
    body: ProjectCreate, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> ProjectRead:
    """Create a project; a name your team uses already answers 409."""
    project = service.create_project(session, actor=user, data=body)
    return service.read_project(session, project)


@router.get("/projects", response_model=PageRead[ProjectRead])
def list_projects(
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> PageRead[ProjectRead]:
    """Your team's projects, oldest first."""
    page = service.list_projects(session, actor=user, limit=limit, cursor=cursor)
    items = service.read_projects(session, page.items)
    return PageRead[ProjectRead](items=items, next_cursor=page.next_cursor)


@router.get("/projects/{project_id}", response_model=ProjectRead)
def get_project(
    project_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> ProjectRead:
    """One project."""
    project = service.get_project(session, actor=user, project_id=project_id)
    return service.read_project(session, project)


@router.patch("/projects/{project_id}", response_model=ProjectRead)
def update_project(
    project_id: int,
    body: ProjectUpdate,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> ProjectRead:
    """Rename a project or change its description."""
    project = service.update_project(session, actor=user, project_id=project_id, changes=body)
    return service.read_project(session, project)
