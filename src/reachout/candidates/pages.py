"""The candidates lists: the team's (search, last contacted, latest reply, Add candidate, Add
to project) and a project's (its page, where the bulk Log Outreach/Reply and Remove start)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from reachout.candidates import membership, service
from reachout.candidates.membership import Chosen, MembershipChange
from reachout.candidates.schemas import CandidateCreate, ChosenCandidates
from reachout.candidates.service import Search
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


def _matching_total(session: Session, user: User, rows: dict[str, Any]) -> int:
    """How many candidates the list's search finds: what its select-all chooses. Counted only
    when they do not all fit on the page shown."""
    if rows["cursor"] or rows["next_cursor"]:
        return service.count_matching(session, actor=user, search=Search(q=rows["q"]))
    return len(rows["rows"])


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
    rows = candidate_rows(session, user, q=q, cursor=cursor)
    context = {**rows, "total": _matching_total(session, user, rows), "nav": "candidates", **extra}
    if is_htmx(request) and request.headers.get("HX-Target") == "candidate-results":
        return render(request, "candidates/_results.html", context, user=user)
    context["project_choices"] = projects.choices(session, team_id=user.team_id)
    return render(request, "candidates/list.html", context, user=user, status=status)


@router.get("/candidates")
def candidates_list(
    request: Request,
    q: str | None = Query(default=None, max_length=200),
    cursor: str | None = None,
    deleted: int | None = Query(default=None, description="The candidate a delete removed"),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    extra: dict[str, Any] = {}
    if deleted is not None:
        extra["deleted_name"] = service.deleted_name(session, actor=user, candidate_id=deleted)
    return _list_page(request, session, user, q=q, cursor=cursor, **extra)


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


class ChosenForm:
    """A list's selection, as its Add to project or Remove form posts it."""

    def __init__(
        self,
        candidate_ids: list[str] = Form([]),
        everyone: str = Form("false", alias="all"),
        q: str = Form(""),
    ) -> None:
        self.data = {"candidate_ids": candidate_ids, "all": everyone, "q": q}

    def read(self, **more: Any) -> ChosenCandidates:
        return validate(ChosenCandidates, {**self.data, **more})


def _chosen_of(form: ChosenCandidates, search: Search) -> Chosen:
    """The ticked candidates, or with `all` (select-all) every one the list's search finds."""
    if form.all:
        return search
    if not form.candidate_ids:
        raise Invalid.on("candidate_ids", "select at least one candidate first")
    return form.candidate_ids


def _membership_answer(
    request: Request,
    session: Session,
    user: User,
    *,
    action: str,
    q: str | None,
    change: MembershipChange | None = None,
    error: Invalid | None = None,
) -> Response:
    """What an Add to project or Remove did, in words: beside the list for htmx, else above the
    whole candidates list (the Add to project form works without JavaScript too)."""
    context: dict[str, Any] = {"action": action, "change": change}
    if error is not None:
        context["detail"] = "; ".join(errors_by_field(error).values())
    status = 200 if error is None else 422
    if not is_htmx(request) and action == "add":
        return _list_page(request, session, user, q=q, cursor=None, status=status, **context)
    # The lists refresh themselves on this event: their Projects column or their rows changed.
    headers = {"HX-Trigger": "candidates-changed"} if error is None else None
    name = "candidates/_membership_result.html"
    return render(request, name, context, user=user, status=status, headers=headers)


@router.post("/candidates/add-to-project")
def add_to_project(
    request: Request,
    project_id: str = Form(""),
    form: ChosenForm = Depends(),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Add the ticked candidates, or every one the search finds, to the chosen project."""
    try:
        chosen = form.read(project_id=project_id.strip() or None)
        if chosen.project_id is None:
            raise Invalid.on("project_id", "choose a project")
        change = membership.add_chosen(
            session,
            actor=user,
            project_id=chosen.project_id,
            chosen=_chosen_of(chosen, Search(q=chosen.q)),
            field="project_id",
        )
    except Invalid as exc:
        return _membership_answer(request, session, user, action="add", q=None, error=exc)
    return _membership_answer(request, session, user, action="add", q=chosen.q, change=change)


@router.post("/projects/{project_id}/candidates/remove")
def remove_from_project(
    request: Request,
    project_id: int,
    form: ChosenForm = Depends(),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Take the ticked candidates, or (select-all) every one, out of the project."""
    project = projects.get_project(session, actor=user, project_id=project_id)
    try:
        chosen = _chosen_of(form.read(), Search(project_id=project.id))
        change = membership.remove_chosen(session, actor=user, project_id=project.id, chosen=chosen)
    except Invalid as exc:
        return _membership_answer(request, session, user, action="remove", q=None, error=exc)
    return _membership_answer(request, session, user, action="remove", q=None, change=change)
