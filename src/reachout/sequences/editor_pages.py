"""The sequence editor: a sequence's name and stages, the tokens a template takes, and a live
preview of every stage on a real candidate of the team (`preview`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from reachout.errors import Invalid
from reachout.models import Sequence, User
from reachout.routing import get_session
from reachout.sequences import preview, service
from reachout.sequences.forms import EditorForm, new_stage, stages_of
from reachout.sequences.schemas import MAX_DELAY_DAYS, MAX_STAGES, SequenceUpdate
from reachout.sequences.templates import TOKENS
from reachout.users.auth import page_user
from reachout.web.forms import errors_by_field
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)

_TOKEN_WORDS = {
    "first_name": "First name",
    "last_name": "Last name",
    "full_name": "Full name",
    "company": "Company",
    "title": "Title",
    "sender_first_name": "Sender's first name",
    "sender_name": "Sender's name",
    "project_name": "Project",
}
# Every token the templates take, in their order, with what it stands for.
TOKEN_LABELS = {token: _TOKEN_WORDS.get(token, token) for token in TOKENS}


def _editor(
    request: Request,
    session: Session,
    user: User,
    *,
    sequence: Sequence | None,
    name: str,
    stages: list[dict[str, Any]],
    candidate_id: int | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "nav": "sequences",
        "sequence": sequence,
        "action": f"/sequences/{sequence.id}/edit" if sequence else "/sequences/new",
        "name": name,
        "stages": stages,
        "errors": errors or {},
        "choices": preview.preview_choices(session, actor=user),
        "candidate_id": candidate_id,
        "TOKENS": TOKEN_LABELS,
        "MAX_STAGES": MAX_STAGES,
        "MAX_DELAY_DAYS": MAX_DELAY_DAYS,
    }
    return render(request, "sequences/editor.html", context, user=user, status=status)


def _edited(
    request: Request,
    session: Session,
    user: User,
    form: EditorForm,
    sequence: Sequence | None,
    **extra: Any,
) -> Response:
    return _editor(
        request,
        session,
        user,
        sequence=sequence,
        name=form.name,
        stages=form.stages or [new_stage(1)],
        candidate_id=form.preview_candidate(),
        **extra,
    )


@router.get("/sequences/new")
def new_sequence(
    request: Request, user: User = Depends(page_user), session: Session = Depends(get_session)
) -> Response:
    return _editor(request, session, user, sequence=None, name="", stages=[new_stage(1)])


@router.post("/sequences/new")
def create_sequence(
    request: Request,
    form: EditorForm = Depends(),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Save a new sequence; or, with `edit`, add, remove or move a stage of the form."""
    if form.apply_edit():
        return _edited(request, session, user, form, None)
    try:
        sequence = service.create_sequence(session, actor=user, data=form.sequence())
    except Invalid as exc:
        return _edited(request, session, user, form, None, errors=errors_by_field(exc), status=422)
    return RedirectResponse(f"/sequences/{sequence.id}", status_code=303)


@router.get("/sequences/{sequence_id:int}/edit")
def edit_sequence(
    request: Request,
    sequence_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    sequence = service.get_sequence(session, actor=user, sequence_id=sequence_id)
    return _editor(
        request, session, user, sequence=sequence, name=sequence.name, stages=stages_of(sequence)
    )


@router.post("/sequences/{sequence_id:int}/edit")
def update_sequence(
    request: Request,
    sequence_id: int,
    form: EditorForm = Depends(),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Save the sequence's name and stages: progress is kept by position."""
    sequence = service.get_sequence(session, actor=user, sequence_id=sequence_id)
    if form.apply_edit():
        return _edited(request, session, user, form, sequence)
    try:
        data = form.sequence()
        changes = SequenceUpdate(name=data.name, stages=data.stages)
        service.update_sequence(session, actor=user, sequence_id=sequence.id, changes=changes)
    except Invalid as exc:
        errors = errors_by_field(exc)
        return _edited(request, session, user, form, sequence, errors=errors, status=422)
    return RedirectResponse(f"/sequences/{sequence.id}", status_code=303)


@router.post("/sequences/preview")
def preview_stages(
    request: Request,
    form: EditorForm = Depends(),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """The editor's stages as the chosen candidate would get them."""
    try:
        shown = preview.preview(
            session, actor=user, candidate_id=form.preview_candidate(), stages=form.drafts()
        )
    except Invalid as exc:
        failed = {"errors": errors_by_field(exc)}
        return render(request, "sequences/_preview.html", failed, user=user, status=422)
    return render(request, "sequences/_preview.html", {"preview": shown}, user=user)
