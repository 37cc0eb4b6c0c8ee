"""A candidate's profile: who they are (Edit, Delete), their projects (Add to project,
Remove), and their activity (Log Activity and the timeline)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from reachout.candidates import membership, service
from reachout.candidates.schemas import CandidateRead, CandidateUpdate, ChosenCandidates
from reachout.errors import Conflict, Invalid
from reachout.models import Candidate, User
from reachout.projects import service as projects
from reachout.routing import get_session
from reachout.touchpoints import service as touchpoints
from reachout.touchpoints.pages import ActivityForm, activity_context, render_activity
from reachout.touchpoints.schemas import TouchpointCreate
from reachout.users.auth import page_user
from reachout.web.errors import is_htmx
from reachout.web.forms import errors_by_field, validate
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)

# What separates the addresses typed in the Edit form's one emails field.
_EMAIL_SEPARATORS = re.compile(r"[,;\s]+")


def _about(address: str, message: str) -> str:
    """An email's error naming the address: "“x” is not a valid email address: ..."."""
    if message.startswith("value "):
        return f"“{address}”{message.removeprefix('value')}"
    return f"“{address}”: {message}"


class CandidateForm:
    """The profile's Edit form, as posted: every field of a candidate, emails comma separated."""

    def __init__(
        self,
        name: str = Form(""),
        emails: str = Form(""),
        phone: str = Form(""),
        linkedin_url: str = Form(""),
        title: str = Form(""),
        company: str = Form(""),
        location: str = Form(""),
    ) -> None:
        self.fields = {
            "name": name,
            "emails": emails,
            "phone": phone,
            "linkedin_url": linkedin_url,
            "title": title,
            "company": company,
            "location": location,
        }

    @classmethod
    def of(cls, c: CandidateRead) -> CandidateForm:
        """The form filled with the candidate as stored."""
        return cls(
            name=c.name,
            emails=", ".join(c.emails),
            phone=c.phone or "",
            linkedin_url=c.linkedin_url or "",
            title=c.title or "",
            company=c.company or "",
            location=c.location or "",
        )

    def values(self) -> dict[str, str]:
        return dict(self.fields)

    def addresses(self) -> list[str]:
        return [a for a in _EMAIL_SEPARATORS.split(self.fields["emails"]) if a]

    def data(self) -> dict[str, Any]:
        """The fields for `CandidateUpdate`: all of them, so a field left blank is cleared."""
        return {**self.fields, "emails": self.addresses()}

    def errors(self, exc: Invalid | Conflict) -> dict[str, str]:
        """Each message under its field of the form; an email's names the address at fault."""
        if isinstance(exc, Conflict):
            return {"": exc.detail}
        out: dict[str, str] = {}
        addresses = self.addresses()
        for field, message in errors_by_field(exc).items():
            name, _, index = field.partition(".")
            if name == "emails" and index.isdigit() and int(index) < len(addresses):
                message = _about(addresses[int(index)], message)
            out.setdefault(name, message)
        return out


# What domains built on this one show on a profile (the candidate's sequences), by name: they
# cannot be asked from here, so app.py hands them in (`app.wire_pages`).
ProfileExtra = Callable[[Session, User, Candidate], dict[str, Any]]
PROFILE_EXTRAS: dict[str, ProfileExtra] = {}


def render_profile(
    request: Request,
    session: Session,
    user: User,
    candidate: Candidate,
    *,
    status: int = 200,
    **extra: Any,
) -> Response:
    """The profile: who they are, their projects (Add to project, Remove), Edit and Delete
    (only offered to who may delete them), and their activity."""
    read = service.read_candidate(session, candidate)
    in_projects = projects.project_names(session, actor=user, project_ids=read.project_ids)
    context = {
        **activity_context(session, user, candidate),
        "c": read,
        "candidate_projects": in_projects,
        "other_projects": [
            (project_id, name)
            for project_id, name in projects.choices(session, team_id=user.team_id)
            if project_id not in in_projects
        ],
        "can_delete": service.may_delete(session, actor=user, candidate_id=candidate.id),
        "edit": CandidateForm.of(read).values(),
        "nav": "candidates",
    }
    for section in PROFILE_EXTRAS.values():
        context.update(section(session, user, candidate))
    context.update(extra)
    return render(request, "candidates/profile.html", context, user=user, status=status)


@router.get("/candidates/{candidate_id:int}")
def profile(
    request: Request,
    candidate_id: int,
    log: bool = Query(default=False, description="Open Log Activity (from Follow-ups)"),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    candidate = service.get_candidate(session, actor=user, candidate_id=candidate_id)
    return render_profile(request, session, user, candidate, open=log)


@router.get("/candidates/{candidate_id:int}/activity")
def activity(
    request: Request,
    candidate_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    candidate = service.get_candidate(session, actor=user, candidate_id=candidate_id)
    return render_activity(request, session, user, candidate)


@router.get("/candidates/{candidate_id:int}/timeline")
def older_entries(
    request: Request,
    candidate_id: int,
    before: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """The timeline's next entries, after `before` (Show older activity)."""
    candidate = service.get_candidate(session, actor=user, candidate_id=candidate_id)
    context = activity_context(session, user, candidate, before_id=before)
    return render(request, "touchpoints/_entries.html", context, user=user)


@router.post("/candidates/{candidate_id:int}/touchpoints")
def log_activity(
    request: Request,
    candidate_id: int,
    form: ActivityForm = Depends(),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Save activity: the section comes back with the new entry in the timeline."""
    candidate = service.get_candidate(session, actor=user, candidate_id=candidate_id)
    try:
        fields = form.fields(user.team.time_zone)
        data = validate(TouchpointCreate, {**fields, "candidate_id": candidate.id})
        logged = touchpoints.log_touchpoint(session, actor=user, data=data)
    except Invalid as exc:
        return render_activity(
            request,
            session,
            user,
            candidate,
            status=422,
            form=form.values(),
            errors=errors_by_field(exc),
            open=True,
        )
    return render_activity(request, session, user, candidate, saved=logged)


@router.post("/candidates/{candidate_id:int}/projects")
def add_to_project(
    request: Request,
    candidate_id: int,
    project_id: str = Form(""),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Add the candidate to the chosen project."""
    candidate = service.get_candidate(session, actor=user, candidate_id=candidate_id)
    try:
        chosen = validate(ChosenCandidates, {"project_id": project_id.strip() or None})
        if chosen.project_id is None:
            raise Invalid.on("project_id", "choose a project")
        membership.add_chosen(
            session,
            actor=user,
            project_id=chosen.project_id,
            chosen=[candidate.id],
            field="project_id",
        )
    except Invalid as exc:
        errors = errors_by_field(exc)
        return render_profile(request, session, user, candidate, status=422, project_errors=errors)
    return RedirectResponse(f"/candidates/{candidate.id}", status_code=303)


@router.post("/candidates/{candidate_id:int}/projects/{project_id:int}/remove")
def remove_from_project(
    candidate_id: int,
    project_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Take the candidate out of the project (they stay in the team)."""
    candidate = service.get_candidate(session, actor=user, candidate_id=candidate_id)
    membership.remove_chosen(session, actor=user, project_id=project_id, chosen=[candidate.id])
    return RedirectResponse(f"/candidates/{candidate.id}", status_code=303)


@router.post("/candidates/{candidate_id:int}/edit")
def edit_candidate(
    request: Request,
    candidate_id: int,
    form: CandidateForm = Depends(),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Save the Edit form: every field as the form shows it, emails comma separated."""
    candidate = service.get_candidate(session, actor=user, candidate_id=candidate_id)
    try:
        changes = validate(CandidateUpdate, form.data())
        service.update_candidate(session, actor=user, candidate_id=candidate.id, changes=changes)
    except (Invalid, Conflict) as exc:
        errors = form.errors(exc)
        return render_profile(
            request,
            session,
            user,
            candidate,
            status=exc.status,
            edit=form.values(),
            edit_errors=errors,
            existing_id=exc.extra.get("existing_id"),
        )
    return RedirectResponse(f"/candidates/{candidate.id}", status_code=303)


@router.post("/candidates/{candidate_id:int}/delete")
def delete_candidate(
    request: Request,
    candidate_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Delete the candidate and their activity (403 unless `service.may_delete`)."""
    candidate = service.get_candidate(session, actor=user, candidate_id=candidate_id)
    service.delete_candidate(session, actor=user, candidate_id=candidate.id)
    to = f"/candidates?deleted={candidate.id}"
    if is_htmx(request):
        # htmx would swap a followed redirect in place: it is told to navigate instead.
        return Response(status_code=204, headers={"HX-Redirect": to})
    return RedirectResponse(to, status_code=303)
