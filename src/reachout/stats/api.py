from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from reachout.models import User
from reachout.problems import PROBLEM_RESPONSES
from reachout.routing import ApiRoute, get_session
from reachout.stats import service
from reachout.stats.schemas import OutreachStats, StatsQuery
from reachout.users.auth import current_user

router = APIRouter(tags=["stats"], route_class=ApiRoute, responses=PROBLEM_RESPONSES)


@router.get("/stats/outreach", response_model=OutreachStats)
def outreach_stats(
    query: Annotated[StatsQuery, Query()],
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> OutreachStats:
    """Outreach Stats of your team for a period: the cohort or the activity view (SPEC §3)."""
    return service.outreach_stats(session, actor=user, query=query)
