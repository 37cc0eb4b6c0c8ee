from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from reachout.models import User
from reachout.problems import PROBLEM_RESPONSES
from reachout.routing import ApiRoute, get_session
from reachout.teams import service
from reachout.teams.schemas import TeamRead, TeamUpdate
from reachout.users.auth import current_user

router = APIRouter(tags=["team"], route_class=ApiRoute, responses=PROBLEM_RESPONSES)


@router.get("/team", response_model=TeamRead)
def get_team(user: User = Depends(current_user)) -> TeamRead:
    """Your team's settings."""
    return TeamRead.of(user.team)


@router.patch("/team", response_model=TeamRead)
def update_team(
    body: TeamUpdate, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> TeamRead:
    """Change the team's settings (admins only): each field given replaces its whole value."""
    return TeamRead.of(service.update_team(session, actor=user, changes=body))
