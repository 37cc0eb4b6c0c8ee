"""The profile's activity section (Log Activity, the timeline, edit, delete), and bulk Log
Outreach/Reply with undo. The routes of a candidate's profile are `candidates.profile`'s."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from sqlalchemy.orm import Session

from reachout.errors import Invalid
from reachout.kit.time import now
from reachout.models import Candidate, Touchpoint, User
from reachout.models.enums import DesignationChoice, Kind
from reachout.projects.service import project_names
from reachout.routing import get_session
from reachout.touchpoints import bulk, service, timeline
from reachout.touchpoints.permissions import can_change
from reachout.touchpoints.schemas import BulkCreate, TouchpointUpdate
from reachout.users import service as users
from reachout.users.auth import page_user
from reachout.web.forms import errors_by_field, local_datetime, validate
from reachout.web.labels import REPLY_STATUSES
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)

# What domains built on this one add to a timeline's entries (a sequence's name, the words that
# decided a suggested reply status), by name: they cannot be asked from here, so app.py hands
# them in (`app.wire_pages`).
TimelineExtra = Callable[[Session, User, Sequence[Touchpoint]], dict[str, Any]]
TIMELINE_EXTRAS: dict[str, TimelineExtra] = {}


class ActivityForm:
    """The fields the Log Activity form and the bulk dialog share, as posted."""

    def __init__(
        self,
        channel: str = Form(""),
        activity: str = Form("auto"),
        reply_status: str = Form(""),
        note: str = Form(""),
        occurred_at: str = Form(""),
        occurred_at_shown: str = Form(""),
    ) -> None:
        self.channel, self.activity, self.reply_status = channel, activity, reply_status
        self.note, self.occurred_at, self.occurred_at_shown = note, occurred_at, occurred_at_shown

    def fields(self, time_zone: str) -> dict[str, Any]:
        """The service's fields. Of Outreach and Reply, only the chosen one's field counts."""
        out: dict[str, Any] = {"channel": self.channel or None, "note": self.note or None}
        if self.activity == Kind.reply.value:
            out.update(kind=Kind.reply.value, reply_status=self.reply_status or None)
        elif self.activity in DesignationChoice.__members__:
            out.update(kind=Kind.outreach.value, designation=self.activity)
        else:
            raise Invalid.on("activity", "choose an outreach (Auto, First, Follow-up) or Reply")
        # The time the form showed, left as it was, means "now": to the second, not the minute.
        if self.occurred_at.strip() and self.occurred_at != self.occurred_at_shown:
            out["occurred_at"] = local_datetime(self.occurred_at, time_zone)
        return out

    def values(self) -> dict[str, str]:
        return dict(vars(self))


def activity_context(
    session: Session, user: User, candidate: Candidate, *, before_id: int | None = None
) -> dict[str, Any]:
    entries, more = timeline.candidate_timeline(
        session, actor=user, candidate=candidate, before_id=before_id
    )
    context = {
        "candidate": candidate,
        "entries": entries,
        "more": more,
        "names": {u.id: u.name for u in users.list_users(session, actor=user)},
        "project_names": project_names(
            session, actor=user, project_ids=[t.project_id for t in entries if t.project_id]
        ),
        "editable": {t.id for t in entries if can_change(user, t)},
        # Only the section's Log Activity form uses it, not a page of older entries.
        "reply_channel": None
        if before_id is not None
        else timeline.reply_channel(session, actor=user, candidate=candidate),
        "now": now(),
    }
    for extra in TIMELINE_EXTRAS.values():
        context.update(extra(session, user, entries))
    return context


def render_activity(
    request: Request,
    session: Session,
    user: User,
    candidate: Candidate,
    *,
    status: int = 200,
    **extra: Any,
) -> Response:
    """The profile's activity section (the Log Activity form and the timeline), for htmx."""
    context = {**activity_context(session, user, candidate), **extra}
    return render(request, "touchpoints/_activity.html", context, user=user, status=status)


@router.get("/touchpoints/{touchpoint_id}/edit")
def edit_form(
    request: Request,
    touchpoint_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """The edit form, only for a touchpoint the user may change (as saving it is)."""
    touchpoint = service.get_changeable_touchpoint(session, actor=user, touchpoint_id=touchpoint_id)
    context = {"t": touchpoint, "now": now()}
    return render(request, "touchpoints/_edit.html", context, user=user)


@router.post("/touchpoints/{touchpoint_id}")
def edit_activity(
    request: Request,
    touchpoint_id: int,
    form: ActivityForm = Depends(),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    touchpoint = service.get_touchpoint(session, actor=user, touchpoint_id=touchpoint_id)
    candidate = service.candidate_of(session, touchpoint)
    try:
        fields = form.fields(user.team.time_zone)
        fields.pop("kind")  # a touchpoint's kind never changes
        if touchpoint.kind == Kind.reply.value:
            fields.pop("designation", None)
        changes = validate(TouchpointUpdate, fields)
        service.update_touchpoint(session, actor=user, touchpoint_id=touchpoint.id, changes=changes)
    except Invalid as exc:
        context = {"t": touchpoint, "now": now(), "errors": errors_by_field(exc)}
        return render(request, "touchpoints/_edit.html", context, user=user, status=422)
    return render_activity(request, session, user, candidate, message="Activity updated.")


@router.post("/touchpoints/{touchpoint_id}/reply-status")
def set_reply_status(
    request: Request,
    touchpoint_id: int,
    reply_status: str = Form(""),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Confirm a reply's suggested status, or set another: one click on the timeline. Either
    way the status is the user's from then on, no longer a suggestion."""
    touchpoint = service.get_touchpoint(session, actor=user, touchpoint_id=touchpoint_id)
    candidate = service.candidate_of(session, touchpoint)
    confirmed = (
        touchpoint.reply_status_suggested and (touchpoint.reply_status or "") == reply_status
    )
    try:
        changes = validate(TouchpointUpdate, {"reply_status": reply_status or None})
        service.update_touchpoint(session, actor=user, touchpoint_id=touchpoint.id, changes=changes)
    except Invalid as exc:
        return render_activity(request, session, user, candidate, status=422, error=exc.detail)
    shown = REPLY_STATUSES.get(reply_status, "no status")
    message = f"Reply status {'confirmed' if confirmed else 'set'}: {shown}."
    return render_activity(request, session, user, candidate, message=message)


@router.post("/touchpoints/{touchpoint_id}/delete")
def delete_activity(
    request: Request,
    touchpoint_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    touchpoint = service.get_touchpoint(session, actor=user, touchpoint_id=touchpoint_id)
    candidate = service.candidate_of(session, touchpoint)
    service.delete_touchpoint(session, actor=user, touchpoint_id=touchpoint.id)
    return render_activity(request, session, user, candidate, message="Activity deleted.")


@router.post("/projects/{project_id}/touchpoints/bulk")
def log_bulk(
    request: Request,
    project_id: int,
    form: ActivityForm = Depends(),
    candidate_ids: list[int] = Form(default=[]),
    all: bool = Form(False),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Log Outreach/Reply for the selected candidates (or all of the project's)."""
    try:
        fields = form.fields(user.team.time_zone)
        who: dict[str, Any] = {"all": True} if all else {"candidate_ids": candidate_ids}
        data = validate(BulkCreate, {**fields, **who})
        limit = request.app.state.settings.bulk_max_candidates
        result = bulk.log_bulk(session, actor=user, project_id=project_id, data=data, limit=limit)
    except Invalid as exc:
        failed = {"detail": exc.detail}
        return render(request, "touchpoints/_bulk_result.html", failed, user=user, status=422)
    done = {"result": result, "kind": fields["kind"]}
    headers = {"HX-Trigger": "touchpoints-changed"}
    return render(request, "touchpoints/_bulk_result.html", done, user=user, headers=headers)


@router.post("/batches/{batch_id}/undo")
def undo_batch(
    request: Request,
    batch_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    batch = bulk.undo_batch(session, actor=user, batch_id=batch_id)
    headers = {"HX-Trigger": "touchpoints-changed"}
    context = {"undone": batch}
    return render(request, "touchpoints/_bulk_result.html", context, user=user, headers=headers)
