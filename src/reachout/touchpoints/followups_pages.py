"""The Follow-ups page: the signed-in member's follow-ups due, each with Log Activity a click
away (the candidate's profile with the form open)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from reachout.errors import Invalid
from reachout.kit import time as clock
from reachout.models import User
from reachout.routing import get_session
from reachout.touchpoints import followups
from reachout.touchpoints.schemas import FollowUpQuery
from reachout.users.auth import page_user
from reachout.web.forms import errors_by_field, validate
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)

PAGE_SIZE = 100


@router.get("/follow-ups")
def follow_ups_page(
    request: Request,
    days: str = Query(default="", max_length=20),
    later_days: str = Query(default="", max_length=20),
    cursor: str = Query(default="", max_length=500),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    form = {"days": days.strip(), "later_days": later_days.strip()}
    context: dict[str, Any] = {"nav": "follow-ups", "form": form, "items": [], "errors": {}}
    try:
        query = validate(FollowUpQuery, {name: value for name, value in form.items() if value})
        due = followups.follow_ups_due(
            session,
            actor=user,
            days=query.days,
            later_days=query.later_days,
            limit=PAGE_SIZE,
            cursor=cursor or None,
        )
    except Invalid as exc:
        context["errors"] = errors_by_field(exc)
        context["query"] = FollowUpQuery()
        return render(request, "touchpoints/follow_ups.html", context, user=user, status=422)
    context.update(
        query=query,
        items=due.items,
        next_cursor=due.next_cursor,
        cursor=cursor,
        today=clock.local_day(clock.now(), user.team.time_zone),
    )
    return render(request, "touchpoints/follow_ups.html", context, user=user)
