"""Candidates → Import: upload a CSV, see a preview (the mapping found, the first rows, the
counts, the errors by line), then Import. The same service as the API and the CLI.

The form posts with htmx and the preview replaces a part of the page, so the chosen file stays
in the form: **Import** sends the same file again, now not as a dry run.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from sqlalchemy.orm import Session

from reachout.errors import Conflict, Invalid
from reachout.models import User
from reachout.projects import service as projects
from reachout.routing import get_session
from reachout.transfer import candidate_import, touchpoint_import
from reachout.users.auth import page_user
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)

PREVIEW_ROWS = 5


def _page(request: Request, session: Session, user: User, **extra: Any) -> Response:
    context = {
        "nav": "candidates",
        "projects": projects.choices(session, team_id=user.team_id),
        **extra,
    }
    return render(request, "transfer/import.html", context, user=user)


@router.get("/candidates/import")
def import_page(
    request: Request,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    return _page(request, session, user)


def _optional_id(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise Invalid.on("project_id", "choose a project from the list")
    return int(value)


def _answer(
    request: Request,
    session: Session,
    user: User,
    *,
    partial: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    if request.headers.get("HX-Request") == "true":
        return render(request, partial, context, user=user, status=status)
    return _page(request, session, user, result_partial=partial, **context)


@router.post("/candidates/import")
def import_candidates(
    request: Request,
    file: UploadFile = File(...),
    project_id: str = Form(""),
    skip_invalid: bool = Form(False),
    action: str = Form("preview"),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    data = file.file.read()
    dry_run = action != "import"
    context: dict[str, Any] = {"filename": file.filename, "skip_invalid": skip_invalid}
    try:
        chosen = _optional_id(project_id)
        result = candidate_import.import_candidates(
            session,
            actor=user,
            data=data,
            project_id=chosen,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
        )
    except (Invalid, Conflict) as exc:
        context |= {"error": exc.detail, "refused": exc.extra or None}
        return _answer(
            request,
            session,
            user,
            partial="transfer/_candidates_result.html",
            context=context,
            status=exc.status,
        )
    if dry_run:
        context["preview"] = candidate_import.preview(data, rows=PREVIEW_ROWS)
    if chosen is not None:
        context["project"] = projects.require_project(
            session, team_id=user.team_id, project_id=chosen
        )
    context["result"] = result
    return _answer(
        request, session, user, partial="transfer/_candidates_result.html", context=context
    )


@router.post("/candidates/import/history")
def import_history(
    request: Request,
    file: UploadFile = File(...),
    skip_invalid: bool = Form(False),
    action: str = Form("preview"),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    data = file.file.read()
    dry_run = action != "import"
    context: dict[str, Any] = {"filename": file.filename, "skip_invalid": skip_invalid}
    try:
        context["result"] = touchpoint_import.import_gem(
            session, actor=user, data=data, dry_run=dry_run, skip_invalid=skip_invalid
        )
    except (Invalid, Conflict) as exc:
        context |= {"error": exc.detail, "refused": exc.extra or None}
        return _answer(
            request,
            session,
            user,
            partial="transfer/_history_result.html",
            context=context,
            status=exc.status,
        )
    return _answer(request, session, user, partial="transfer/_history_result.html", context=context)
