"""The projects list and the project page (its candidates, and bulk Log Outreach/Reply)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from reachout.candidates.pages import candidate_rows
from reachout.errors import Conflict, Invalid
from reachout.kit.pagination import MAX_LIMIT
from reachout.kit.time import now
from reachout.models import User
from reachout.projects import service
from reachout.projects.schemas import ProjectCreate
from reachout.routing import get_session
from reachout.web.errors import is_htmx
from reachout.web.forms import errors_by_field, validate
from reachout.web.route import PageRoute, page_user, render

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


@router.get("/projects/{project_id}")
def project_page(
    request: Request,
    project_id: int,
    q: str | None = Query(default=None, max_length=200),
    cursor: str | None = None,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    project = service.get_project(session, actor=user, project_id=project_id)
    context = {
        **candidate_rows(session, user, q=q, cursor=cursor, project_id=project.id),
        "project": service.read_project(session, project),
        "nav": "projects",
        "now": now(),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "project-candidates":
        return render(request, "projects/_candidates.html", context, user=user)
    return render(request, "projects/detail.html", context, user=user)
