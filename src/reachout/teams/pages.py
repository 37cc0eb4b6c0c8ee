"""The team's settings forms on the settings page: its time zone and re-engagement window, and
when sequences may send (days, hours, holidays, daily cap)."""

from __future__ import annotations

import re
from typing import Any

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


@router.post("/settings/sending-hours")
def update_sending_hours(
    request: Request,
    days: list[str] = Form([]),
    start: str = Form(""),
    end: str = Form(""),
    holidays: str = Form(""),
    daily_send_cap: str = Form(""),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    typed: dict[str, Any] = {"days": days, "start": start, "end": end, "holidays": holidays}
    typed["daily_send_cap"] = daily_send_cap
    try:
        changes = TeamUpdate.model_validate(_sending_fields(typed))
        service.update_team(session, actor=user, changes=changes)
    except ValueError as exc:  # pydantic's ValidationError too; int() of a non-number
        message = first_error(exc) if isinstance(exc, ValidationError) else str(exc)
        return _refused(request, session, user, 422, message, typed)
    except ReachoutError as exc:
        return _refused(request, session, user, exc.status, exc.detail, typed)
    return RedirectResponse("/settings?saved=sending", status_code=303)


def _sending_fields(typed: dict[str, Any]) -> dict[str, Any]:
    """The form's text as TeamUpdate's fields: holidays one per line or comma separated."""
    cap = typed["daily_send_cap"].strip()
    if not cap.isdecimal():
        raise ValueError("daily_send_cap: must be a whole number")
    return {
        "sending_hours": {
            "days": typed["days"],
            "start": typed["start"].strip(),
            "end": typed["end"].strip(),
        },
        "holidays": [day for day in re.split(r"[\s,;]+", typed["holidays"]) if day],
        "daily_send_cap": int(cap),
    }


def _refused(
    request: Request, session: Session, user: User, status: int, message: str, typed: Any
) -> Response:
    # What was typed is shown again, to correct rather than retype.
    return render_settings(
        request, session, user, status=status, sending_error=message, sending_form=typed
    )
