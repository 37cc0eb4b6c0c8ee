"""A candidate's profile: who they are, and their activity (Log Activity and the timeline)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from reachout.candidates import service
from reachout.errors import Invalid
from reachout.models import User
from reachout.projects import service as projects
from reachout.routing import get_session
from reachout.touchpoints import service as touchpoints
from reachout.touchpoints.pages import ActivityForm, activity_context, render_activity
from reachout.touchpoints.schemas import TouchpointCreate
from reachout.users.auth import page_user
from reachout.web.forms import errors_by_field, validate
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)


@router.get("/candidates/{candidate_id}")
def profile(
    request: Request,
    candidate_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    candidate = service.get_candidate(session, actor=user, candidate_id=candidate_id)
    read = service.read_candidate(session, candidate)
    context = {
        **activity_context(session, user, candidate),
        "c": read,
        "candidate_projects": projects.project_names(
            session, actor=user, project_ids=read.project_ids
        ),
        "nav": "candidates",
    }
    return render(request, "candidates/profile.html", context, user=user)


@router.get("/candidates/{candidate_id}/activity")
def activity(
    request: Request,
    candidate_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    candidate = service.get_candidate(session, actor=user, candidate_id=candidate_id)
    return render_activity(request, session, user, candidate)


@router.get("/candidates/{candidate_id}/timeline")
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


@router.post("/candidates/{candidate_id}/touchpoints")
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
