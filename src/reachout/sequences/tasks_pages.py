"""The Tasks page: the signed-in member's manual stages of sequences (InMail, text, call), due
and upcoming. Complete opens Log Activity filled in with the stage; Skip moves on."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from reachout.errors import Invalid
from reachout.kit.time import now
from reachout.models import SequenceTask, User
from reachout.routing import get_session
from reachout.sequences import rows, tasks
from reachout.sequences.forms import CompleteForm
from reachout.users.auth import page_user
from reachout.web.errors import is_htmx
from reachout.web.forms import errors_by_field
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)

PAGE_SIZE = 100
# The refresh the page's lists and the header's badge listen for.
CHANGED = {"HX-Trigger": "tasks-changed"}
# After Skip the answer is the lists themselves: only the badge is to refresh.
SKIPPED = {"HX-Trigger": "task-skipped"}


def _tasks_context(session: Session, user: User, *, cursor: str) -> dict[str, Any]:
    due = tasks.due_tasks(session, actor=user, limit=PAGE_SIZE, cursor=cursor or None)
    upcoming = tasks.upcoming_tasks(session, actor=user, limit=PAGE_SIZE)
    return {
        "nav": "tasks",
        "due": rows.task_rows(session, actor=user, tasks=due.items),
        "upcoming": rows.task_rows(session, actor=user, tasks=upcoming),
        "next_cursor": due.next_cursor,
        "cursor": cursor,
    }


@router.get("/tasks")
def tasks_page(
    request: Request,
    cursor: str = Query(default="", max_length=500),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    try:
        context = _tasks_context(session, user, cursor=cursor)
    except Invalid as exc:
        context = {"nav": "tasks", "due": [], "upcoming": [], "errors": errors_by_field(exc)}
        return render(request, "sequences/tasks.html", context, user=user, status=422)
    if is_htmx(request) and request.headers.get("HX-Target") == "tasks":
        return render(request, "sequences/_tasks.html", context, user=user)
    return render(request, "sequences/tasks.html", context, user=user)


@router.get("/tasks/badge")
def tasks_badge(
    request: Request, user: User = Depends(page_user), session: Session = Depends(get_session)
) -> Response:
    """The header's count of due tasks (loaded by every page, refreshed when tasks change)."""
    context = {"count": rows.due_count(session, actor=user)}
    return render(request, "sequences/_badge.html", context, user=user)


def _complete_context(
    session: Session, user: User, task: SequenceTask, **extra: Any
) -> dict[str, Any]:
    [row] = rows.task_rows(session, actor=user, tasks=[task])
    return {"row": row, "now": now(), "form": {}, "errors": {}, **extra}


def _complete_form(
    request: Request, context: dict[str, Any], user: User, *, status: int = 200
) -> Response:
    """The task's Log Activity: in the Tasks page's dialog (htmx), or a page of its own."""
    name = "sequences/_complete.html" if is_htmx(request) else "sequences/complete.html"
    return render(request, name, {"nav": "tasks", **context}, user=user, status=status)


@router.get("/tasks/{task_id}/complete")
def complete_form(
    request: Request,
    task_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    task = tasks.get_task(session, actor=user, task_id=task_id)
    return _complete_form(request, _complete_context(session, user, task), user)


@router.post("/tasks/{task_id}/complete")
def complete_task(
    request: Request,
    task_id: int,
    form: CompleteForm = Depends(),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Save activity: the stage's touchpoint is logged and the enrollment moves on."""
    task = tasks.get_task(session, actor=user, task_id=task_id)
    try:
        done = tasks.complete_task(
            session, actor=user, task_id=task.id, data=form.read(user.team.time_zone)
        )
    except Invalid as exc:
        context = _complete_context(
            session, user, task, form=form.values(), errors=errors_by_field(exc)
        )
        return _complete_form(request, context, user, status=422)
    if not is_htmx(request):
        return RedirectResponse("/tasks", status_code=303)
    context = _complete_context(session, user, task, saved=done)
    return render(request, "sequences/_complete.html", context, user=user, headers=CHANGED)


@router.post("/tasks/{task_id}/skip")
def skip_task(
    request: Request,
    task_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Skip the task: the enrollment moves on to its next stage, nothing is logged."""
    task = tasks.skip_task(session, actor=user, task_id=task_id)
    if not is_htmx(request):
        return RedirectResponse("/tasks", status_code=303)
    [row] = rows.task_rows(session, actor=user, tasks=[task])
    who = row.candidate.name if row.candidate else "a deleted candidate"
    context = {
        **_tasks_context(session, user, cursor=""),
        "message": f"Skipped stage {task.stage} of {row.sequence_name} for {who}.",
    }
    return render(request, "sequences/_tasks.html", context, user=user, headers=SKIPPED)
