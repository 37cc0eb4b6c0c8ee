from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from reachout.db import READ_HEADERS_DOC, Database, read_headers
from reachout.models import User
from reachout.problems import PROBLEM_RESPONSES
from reachout.routing import ApiRoute
from reachout.stats import service
from reachout.stats.schemas import OutreachStats, StatsQuery
from reachout.users.auth import current_user

router = APIRouter(tags=["stats"], route_class=ApiRoute, responses=PROBLEM_RESPONSES)


@router.get(
    "/stats/outreach",
    response_model=OutreachStats,
    responses={200: {"description": "Successful Response", "headers": READ_HEADERS_DOC}},
)
def outreach_stats(
    request: Request,
    response: Response,
    query: Annotated[StatsQuery, Query()],
    user: User = Depends(current_user),
) -> OutreachStats:
    """Outreach Stats of your team for a period: the cohort or the activity view (SPEC §3)."""
    db: Database = request.app.state.db
    with db.replica_session() as session:
        response.headers.update(read_headers(session))
        return service.outreach_stats(session, actor=user, query=query)
