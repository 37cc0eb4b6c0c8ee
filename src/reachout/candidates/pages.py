"""The candidates lists: the team's (search, last contacted, latest reply, Add candidate) and
a project's (its page, where the bulk Log Outreach/Reply starts)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from reachout.candidates import service
from reachout.candidates.schemas import CandidateCreate
from reachout.errors import Conflict, Invalid
from reachout.kit.time import now
from reachout.models import User
from reachout.projects import service as projects
from reachout.routing import get_session
from reachout.touchpoints.timeline import contact_summaries
from reachout.users.auth import page_user
from reachout.web.errors import is_htmx
from reachout.web.forms import errors_by_field, validate
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)

PAGE_SIZE = 50


def candidate_rows(
    session: Session,
    user: User,
    *,
    q: str | None,
    cursor: str | None,
    project_id: int | None = None,
) -> dict[str, Any]:
    """One page of candidates with what the lists show of each (shared with the project page)."""
    page = service.list_candidates(
        session, actor=user, q=q, project_id=project_id, limit=PAGE_SIZE, cursor=cursor
    )
    reads = service.read_candidates(session, page.items)
    ids = [c.id for c in reads]
    project_ids = {p for c in reads for p in c.project_ids}
    return {
        "rows": reads,
        "next_cursor": page.next_cursor,
        "contacts": contact_summaries(session, actor=user, candidate_ids=ids),
        "project_names": projects.project_names(session, actor=user, project_ids=list(project_ids)),
        "q": q or "",
        "cursor": cursor,
    }


def _list_page(
    request: Request,
    session: Session,
    user: User,
    *,
    q: str | None,
    cursor: str | None,
    status: int = 200,
    **extra: Any,
) -> Response:
    context = {**candidate_rows(session, user, q=q, cursor=cursor), "nav": "candidates", **extra}
    if is_htmx(request) and request.headers.get("HX-Target") == "candidate-results":
        return render(request, "candidates/_results.html", context, user=user)
    return render(request, "candidates/list.html", context, user=user, status=status)


@router.get("/candidates")
def candidates_list(
    request: Request,
    q: str | None = Query(default=None, max_length=200),
    cursor: str | None = None,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    return _list_page(request, session, user, q=q, cursor=cursor)


@router.post("/candidates")
def add_candidate(
    request: Request,
    name: str = Form(""),
    email: str = Form(""),
    title: str = Form(""),
    company: str = Form(""),
    location: str = Form(""),
    phone: str = Form(""),
    linkedin_url: str = Form(""),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    form = {
        "name": name,
        "email": email,
        "title": title,
        "company": company,
        "location": location,
        "phone": phone,
        "linkedin_url": linkedin_url,
    }
    data: dict[str, Any] = {k: v for k, v in form.items() if k != "email"}
    data["emails"] = [email.strip()] if email.strip() else []
    try:
        candidate = service.create_candidate(
            session, actor=user, data=validate(CandidateCreate, data)
        )
    except (Invalid, Conflict) as exc:
        errors = errors_by_field(exc) if isinstance(exc, Invalid) else {"": exc.detail}
        errors = {("email" if k.startswith("emails") else k): v for k, v in errors.items()}
        return _list_page(
            request,
            session,
            user,
            q=None,
            cursor=None,
            status=exc.status,
            add_form=form,
            add_errors=errors,
            existing_id=exc.extra.get("existing_id"),
        )
    return RedirectResponse(f"/candidates/{candidate.id}", status_code=303)


@router.get("/projects/{project_id}")
def project_page(
    request: Request,
    project_id: int,
    q: str | None = Query(default=None, max_length=200),
    cursor: str | None = None,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    project = projects.get_project(session, actor=user, project_id=project_id)
    context = {
        **candidate_rows(session, user, q=q, cursor=cursor, project_id=project.id),
        "project": projects.read_project(session, project),
        "nav": "projects",
        "now": now(),
    }
    if is_htmx(request) and request.headers.get("HX-Target") == "project-candidates":
        return render(request, "projects/_candidates.html", context, user=user)
    return render(request, "projects/detail.html", context, user=user)
