"""The Sequences page, a sequence's page (its stages, figures and enrollments, each with Pause,
Resume and Stop), and a project's More → Add to sequence. The editor is `editor_pages`, the
Tasks page `tasks_pages`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from reachout.errors import Invalid, NotFound
from reachout.models import Enrollment, Sequence, User
from reachout.projects import service as projects
from reachout.routing import get_session
from reachout.sequences import enrollments, lifecycle, rows, service
from reachout.sequences.forms import EnrollForm
from reachout.sequences.schemas import EnrollmentStatus, EnrollResult, SkipReason
from reachout.users import service as users
from reachout.users.auth import page_user
from reachout.web.errors import is_htmx
from reachout.web.forms import errors_by_field
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)

PAGE_SIZE = 100
# How the result of Add to sequence names each reason a candidate was skipped.
SKIPPED = {
    SkipReason.no_email: "without email",
    SkipReason.already_active: "already in a sequence",
    SkipReason.email_bounced: "whose every email address bounced",
}


def page_context(request: Request, **extra: Any) -> dict[str, Any]:
    """What every sequence page shows: the status words, and whether email goes out at all."""
    return {
        "nav": "sequences",
        "STATUSES": rows.STATUSES,
        "smtp_set": bool(request.app.state.settings.smtp_url),
        **extra,
    }


@router.get("/sequences")
def sequences_page(
    request: Request, user: User = Depends(page_user), session: Session = Depends(get_session)
) -> Response:
    found = service.read_sequences(session, service.list_sequences(session, actor=user))
    context = page_context(request, sequences=found)
    return render(request, "sequences/list.html", context, user=user)


def _status(value: str) -> EnrollmentStatus | None:
    value = value.strip()
    if not value:
        return None
    if value not in EnrollmentStatus.__members__:
        raise Invalid.on("status", f"choose one of: {', '.join(rows.STATUSES.values())}")
    return EnrollmentStatus(value)


def _enrollments_context(
    session: Session, user: User, sequence: Sequence, *, status: str, cursor: str
) -> dict[str, Any]:
    chosen = _status(status)
    page = enrollments.list_enrollments(
        session,
        actor=user,
        sequence_id=sequence.id,
        status=chosen,
        candidate_id=None,
        limit=PAGE_SIZE,
        cursor=cursor or None,
    )
    return {
        "sequence": sequence,
        "status": chosen.value if chosen else "",
        "items": rows.enrollment_rows(session, actor=user, enrollments=page.items),
        "next_cursor": page.next_cursor,
        "cursor": cursor,
    }


@router.get("/sequences/{sequence_id:int}")
def sequence_page(
    request: Request,
    sequence_id: int,
    status: str = Query(default="", max_length=20),
    cursor: str = Query(default="", max_length=500),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    sequence = service.get_sequence(session, actor=user, sequence_id=sequence_id)
    context = page_context(request, read=service.read_sequence(session, sequence))
    try:
        context.update(_enrollments_context(session, user, sequence, status=status, cursor=cursor))
    except Invalid as exc:
        context.update(sequence=sequence, items=[], status="", errors=errors_by_field(exc))
        return render(request, "sequences/detail.html", context, user=user, status=422)
    if is_htmx(request) and request.headers.get("HX-Target") == "enrollments":
        return render(request, "sequences/_enrollments.html", context, user=user)
    return render(request, "sequences/detail.html", context, user=user)


@router.post("/sequences/{sequence_id:int}/delete")
def delete_sequence(
    request: Request,
    sequence_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Delete the sequence: its open enrollments stop; what it sent stays in the ledger."""
    service.archive_sequence(session, actor=user, sequence_id=sequence_id)
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": "/sequences"})
    return RedirectResponse("/sequences", status_code=303)


def _enrollment_action(
    request: Request,
    session: Session,
    user: User,
    act: Callable[..., Enrollment],
    *,
    enrollment_id: int,
    status: str,
    done: str,
) -> Response:
    """Pause, resume or stop, then the sequence's enrollments again (htmx) or its page."""
    enrollment = act(session, actor=user, enrollment_id=enrollment_id)
    sequence = service.get_sequence(session, actor=user, sequence_id=enrollment.sequence_id)
    if not is_htmx(request):
        query = f"?status={status}" if status in EnrollmentStatus.__members__ else ""
        return RedirectResponse(f"/sequences/{sequence.id}{query}", status_code=303)
    try:
        context = _enrollments_context(session, user, sequence, status=status, cursor="")
    except Invalid:
        context = _enrollments_context(session, user, sequence, status="", cursor="")
    [row] = rows.enrollment_rows(session, actor=user, enrollments=[enrollment])
    context.update(page_context(request), message=f"{row.candidate_name or 'Enrollment'}: {done}.")
    return render(request, "sequences/_enrollments.html", context, user=user)


@router.post("/enrollments/{enrollment_id}/pause")
def pause_enrollment(
    request: Request,
    enrollment_id: int,
    status: str = Form(""),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    return _enrollment_action(
        request,
        session,
        user,
        lifecycle.pause,
        enrollment_id=enrollment_id,
        status=status,
        done="paused",
    )


@router.post("/enrollments/{enrollment_id}/resume")
def resume_enrollment(
    request: Request,
    enrollment_id: int,
    status: str = Form(""),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    return _enrollment_action(
        request,
        session,
        user,
        lifecycle.resume,
        enrollment_id=enrollment_id,
        status=status,
        done="resumed",
    )


@router.post("/enrollments/{enrollment_id}/stop")
def stop_enrollment(
    request: Request,
    enrollment_id: int,
    status: str = Form(""),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    return _enrollment_action(
        request,
        session,
        user,
        lifecycle.stop,
        enrollment_id=enrollment_id,
        status=status,
        done="stopped",
    )


@router.get("/projects/{project_id}/add-to-sequence")
def add_to_sequence_form(
    request: Request,
    project_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """The Add to sequence dialog's form: the team's sequences and who may send."""
    project = projects.get_project(session, actor=user, project_id=project_id)
    context = {
        "project": project,
        "sequences": service.list_sequences(session, actor=user),
        "senders": users.list_users(session, actor=user, active_only=True),
    }
    return render(request, "sequences/_add_to_sequence.html", context, user=user)


def skipped_summary(result: EnrollResult) -> str:
    """ "2 skipped: 1 without email, 1 already in a sequence" (empty when none was)."""
    if not result.skipped:
        return ""
    counts = {reason: 0 for reason in SKIPPED}
    for skip in result.skipped:
        counts[skip.reason] += 1
    parts = [f"{n} {SKIPPED[reason]}" for reason, n in counts.items() if n]
    return f"{len(result.skipped)} skipped: {', '.join(parts)}"


def _chosen(session: Session, user: User, sequence_id: int) -> Sequence:
    """The sequence a form chose: one that is not the team's is a mistake in the form."""
    try:
        return service.get_sequence(session, actor=user, sequence_id=sequence_id)
    except NotFound:
        raise Invalid.on("sequence_id", "no such sequence") from None


@router.post("/projects/{project_id}/add-to-sequence")
def add_to_sequence(
    request: Request,
    project_id: int,
    form: EnrollForm = Depends(),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Enroll the selected candidates of the project (or all of them) in a sequence."""
    project = projects.get_project(session, actor=user, project_id=project_id)
    try:
        sequence_id = form.chosen_sequence()
        data = form.enrollment(project_id=project.id, time_zone=user.team.time_zone)
        sequence = _chosen(session, user, sequence_id)
        result = enrollments.enroll(session, actor=user, sequence_id=sequence.id, data=data)
    except Invalid as exc:
        failed = {"errors": errors_by_field(exc)}
        return render(request, "sequences/_enroll_result.html", failed, user=user, status=422)
    done = {"result": result, "sequence": sequence, "skipped": skipped_summary(result)}
    return render(request, "sequences/_enroll_result.html", done, user=user)
