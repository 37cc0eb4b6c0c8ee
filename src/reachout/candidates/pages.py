"""The candidates lists: the team's (search, filters, sort, numbered pages, last contacted,
latest reply, Add candidate, Add to project) and a project's (its page, where the bulk Log
Outreach/Reply and Remove start)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from reachout.candidates import listing, membership, service
from reachout.candidates.membership import Chosen, MembershipChange
from reachout.candidates.schemas import (
    CandidateCreate,
    CandidateListQuery,
    CandidateSearch,
    ChosenCandidates,
)
from reachout.errors import Conflict, Invalid
from reachout.kit.time import now
from reachout.models import Candidate, User
from reachout.projects import service as projects
from reachout.routing import get_session
from reachout.touchpoints.timeline import contact_summaries
from reachout.users import service as users
from reachout.users.auth import page_user
from reachout.web.errors import is_htmx
from reachout.web.forms import errors_by_field, validate
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)

PAGE_SIZE = listing.PAGE_SIZE

# What the candidates page's address holds, in the order it lists them: the search and filters
# (`CandidateSearch`), the order and the page. Equal views have equal addresses.
LIST_FIELDS = (
    "q",
    "project_id",
    "contacted",
    "reply",
    "owner_id",
    "contacted_from",
    "contacted_to",
    "sort",
    "page",
)
DEFAULTS = CandidateListQuery().model_dump(mode="json")
FILTER_LABELS = {
    "q": "Search",
    "project_id": "In project",
    "contacted": "Contacted",
    "reply": "Latest reply",
    "owner_id": "Owner",
    "contacted_from": "Last contacted from",
    "contacted_to": "Last contacted to",
    "sort": "Sort",
    "page": "Page",
}

# The orders the list offers, as the Sort control names them.
SORTS = {
    "added": "Added, oldest first",
    "-added": "Added, newest first",
    "name": "Name, A to Z",
    "-name": "Name, Z to A",
    "-last_contacted": "Last contacted, newest first",
    "last_contacted": "Last contacted, oldest first",
    "-latest_reply": "Latest reply, newest first",
    "latest_reply": "Latest reply, oldest first",
}


def rows_context(session: Session, user: User, candidates: Sequence[Candidate]) -> dict[str, Any]:
    """What the lists show of each of these candidates: their last contact, their projects."""
    reads = service.read_candidates(session, candidates)
    project_ids = {p for c in reads for p in c.project_ids}
    return {
        "rows": reads,
        "contacts": contact_summaries(session, actor=user, candidate_ids=[c.id for c in reads]),
        "project_names": projects.project_names(session, actor=user, project_ids=list(project_ids)),
    }


def candidate_rows(
    session: Session, user: User, *, q: str | None, cursor: str | None, project_id: int
) -> dict[str, Any]:
    """One page of a project's candidates, in id order (the project page)."""
    search = CandidateSearch(q=q, project_id=project_id)
    page = service.list_candidates(
        session, actor=user, search=search, limit=PAGE_SIZE, cursor=cursor
    )
    return {
        **rows_context(session, user, page.items),
        "next_cursor": page.next_cursor,
        "q": q or "",
        "cursor": cursor,
    }


class ListForm:
    """The candidates page's address as sent: each filter, the order and the page, as text
    (blank: none), so that a mistake is shown on the page beside the filters."""

    def __init__(
        self,
        q: str = Query(default="", max_length=200),
        project_id: str = "",
        contacted: str = "",
        reply: str = "",
        owner_id: str = "",
        contacted_from: str = "",
        contacted_to: str = "",
        sort: str = "",
        page: str = "",
    ) -> None:
        sent = (q, project_id, contacted, reply, owner_id, contacted_from, contacted_to, sort, page)
        self.values = {name: value.strip() for name, value in zip(LIST_FIELDS, sent, strict=True)}

    @classmethod
    def of(cls, query_string: str) -> ListForm:
        """The form an address's query string fills (what select-all carries)."""
        sent = dict(parse_qsl(query_string))
        return cls(**{name: sent.get(name, "") for name in LIST_FIELDS})

    def read(self) -> CandidateListQuery:
        sent = {name: value for name, value in self.values.items() if value}
        return validate(CandidateListQuery, sent)


def address(query: CandidateListQuery, **changes: Any) -> str:
    """The query string of the list's address for `query` (with `changes`): values at their
    default are left out."""
    values = {**query.model_dump(mode="json", include=set(LIST_FIELDS)), **changes}
    return urlencode(
        [(name, values[name]) for name in LIST_FIELDS if values[name] not in (None, DEFAULTS[name])]
    )


def list_url(query_string: str) -> str:
    return f"/candidates?{query_string}" if query_string else "/candidates"


def _filter_errors(exc: Invalid) -> list[str]:
    return [
        f"{FILTER_LABELS.get(field, field)}: {message}" if field else message
        for field, message in errors_by_field(exc).items()
    ]


def _list_context(session: Session, user: User, form: ListForm) -> dict[str, Any]:
    """The list as the form asks for it, or what is wrong with the form."""
    try:
        query = form.read()
        shown = listing.list_page(session, actor=user, query=query)
    except Invalid as exc:
        return {"rows": [], "total": 0, "filter_errors": _filter_errors(exc), "address": ""}
    filtered = query.search() != CandidateSearch()
    return {
        **rows_context(session, user, shown.items),
        "shown": shown,
        "total": shown.total,
        "filtered": filtered,
        "address": address(query),
        "search_address": address(query, sort=CandidateListQuery().sort, page=1),
        "page_address": lambda number: address(query, page=number),
        "sort_address": lambda sort: address(query, sort=sort, page=1),
    }


def _list_page(
    request: Request,
    session: Session,
    user: User,
    *,
    form: ListForm | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    form = form or ListForm.of("")
    context = {**_list_context(session, user, form), "view": form.values, "nav": "candidates"}
    # The filters (and order) set: their box starts open when any is.
    context["filters_on"] = sum(1 for name in LIST_FIELDS[1:-1] if form.values[name])
    context.update(extra)
    if "filter_errors" in context:
        status = 422
    if is_htmx(request) and request.headers.get("HX-Target") == "candidate-results":
        headers = None
        if request.headers.get("HX-Trigger") != "candidate-results" and status == 200:
            # The view the filters chose, in its one spelling: the address to keep and share.
            headers = {"HX-Push-Url": list_url(context["address"])}
        name = "candidates/_results.html"
        return render(request, name, context, user=user, status=status, headers=headers)
    context["project_choices"] = projects.choices(session, team_id=user.team_id)
    context["owner_choices"] = [(u.id, u.name) for u in users.list_users(session, actor=user)]
    context["SORTS"] = SORTS
    return render(request, "candidates/list.html", context, user=user, status=status)


@router.get("/candidates")
def candidates_list(
    request: Request,
    form: ListForm = Depends(),
    deleted: int | None = Query(default=None, description="The candidate a delete removed"),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    extra: dict[str, Any] = {}
    if deleted is not None:
        extra["deleted_name"] = service.deleted_name(session, actor=user, candidate_id=deleted)
    return _list_page(request, session, user, form=form, **extra)


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
        search: str = Form(""),
    ) -> None:
        self.data = {"candidate_ids": candidate_ids, "all": everyone, "search": search}

    def read(self, **more: Any) -> ChosenCandidates:
        return validate(ChosenCandidates, {**self.data, **more})


def _chosen_of(form: ChosenCandidates, search: CandidateSearch) -> Chosen:
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
    search: str = "",
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
        form = ListForm.of(search)
        return _list_page(request, session, user, form=form, status=status, **context)
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
        # Select-all means every candidate the list's search and filters find.
        search = ListForm.of(chosen.search).read().search()
        change = membership.add_chosen(
            session,
            actor=user,
            project_id=chosen.project_id,
            chosen=_chosen_of(chosen, search),
            field="project_id",
        )
    except Invalid as exc:
        return _membership_answer(request, session, user, action="add", error=exc)
    return _membership_answer(
        request, session, user, action="add", search=chosen.search, change=change
    )


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
        chosen = _chosen_of(form.read(), CandidateSearch(project_id=project.id))
        change = membership.remove_chosen(session, actor=user, project_id=project.id, chosen=chosen)
    except Invalid as exc:
        return _membership_answer(request, session, user, action="remove", error=exc)
    return _membership_answer(request, session, user, action="remove", change=change)
