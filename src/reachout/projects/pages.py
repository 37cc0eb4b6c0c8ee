"""The projects list. A project's page is the list of its candidates (`candidates.pages`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from reachout.errors import Conflict, Invalid
from reachout.kit.pagination import MAX_LIMIT
from reachout.models import User
from reachout.projects import service
from reachout.projects.schemas import ProjectCreate
from reachout.routing import get_session
from reachout.users.auth import page_user
from reachout.web.forms import errors_by_field, validate
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)


def _list(
    request: Request, session: Session, user: User, *, status: int = 200, **extra: object
) -> Response:
    page = service.list_projects(session, actor=user, limit=MAX_LIMIT)
    context = {"projects": service.read_projects(session, page.items), "nav": "projects", **extra}
    return render(request, "projects/list.html", context, user=user, status=status)


@router.get("/projects")
def projects_list(
    request: Request, user: User = Depends(page_user), session: Session = Depends(get_session)
) -> Response:
    return _list(request, session, user)


@router.post("/projects")
def create_project(
    request: Request,
    name: str = Form(""),
    description: str = Form(""),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    try:
        data = validate(ProjectCreate, {"name": name, "description": description or None})
        project = service.create_project(session, actor=user, data=data)
    except (Invalid, Conflict) as exc:
        errors = errors_by_field(exc) if isinstance(exc, Invalid) else {"name": exc.detail}
        form = {"name": name, "description": description}
        return _list(request, session, user, status=exc.status, form=form, errors=errors)
    return RedirectResponse(f"/projects/{project.id}", status_code=303)
