"""The team's settings form (its time zone and re-engagement window) on the settings page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from reachout.errors import ReachoutError
from reachout.models import User
from reachout.routing import get_session
from reachout.teams import service
from reachout.teams.schemas import TeamUpdate
from reachout.users.auth import page_user
from reachout.users.pages import render_settings
from reachout.web.forms import first_error
from reachout.web.route import PageRoute

router = APIRouter(route_class=PageRoute)


@router.post("/settings/team")
def update_team(
    request: Request,
    time_zone: str = Form(...),
    reengage_after_days: str = Form(""),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    try:
        changes = TeamUpdate(
            time_zone=time_zone,
            reengage_after_days=int(reengage_after_days) if reengage_after_days.strip() else None,
        )
        service.update_team(session, actor=user, changes=changes)
    except ValueError as exc:  # pydantic's ValidationError too; int() of a non-number
        message = first_error(exc) if isinstance(exc, ValidationError) else "must be a number"
        return render_settings(request, session, user, status=422, team_error=message)
    except ReachoutError as exc:
        return render_settings(request, session, user, status=exc.status, team_error=exc.detail)
    return RedirectResponse("/settings?saved=team", status_code=303)
