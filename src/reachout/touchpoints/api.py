from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy.orm import Session

from reachout.idempotency import IDEMPOTENT
from reachout.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRead
from reachout.kit.types import Instant, QueryId
from reachout.models import Batch, Touchpoint, User
from reachout.models.enums import Channel, Kind
from reachout.problems import PROBLEM_RESPONSES
from reachout.routing import ApiRoute, get_session
from reachout.touchpoints import bulk, followups, service
from reachout.touchpoints.schemas import (
    FOLLOW_UP_DAYS,
    LATER_DAYS,
    BatchRead,
    BulkCreate,
    BulkResult,
    FollowUpDays,
    FollowUpRead,
    TouchpointCreate,
    TouchpointRead,
    TouchpointUpdate,
)
from reachout.users.auth import current_user

router = APIRouter(tags=["touchpoints"], route_class=ApiRoute, responses=PROBLEM_RESPONSES)


@router.post(
    "/touchpoints",
    response_model=TouchpointRead,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IDEMPOTENT,
)
def log_touchpoint(
    body: TouchpointCreate,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> Touchpoint:
    """Log one outreach or reply; an auto outreach answers with its resolved designation."""
    return service.log_touchpoint(session, actor=user, data=body)


@router.get("/touchpoints", response_model=PageRead[TouchpointRead])
def list_touchpoints(
    candidate_id: QueryId | None = None,
    project_id: QueryId | None = None,
    user_id: QueryId | None = None,
    kind: Kind | None = None,
    channel: Channel | None = None,
    sequence_id: QueryId | None = None,
    sequence_stage: Annotated[
        QueryId | None, Query(description="The stage, from 1 (any sequence's, or sequence_id's)")
    ] = None,
    occurred_from: Instant | None = Query(default=None, alias="from"),
    occurred_to: Instant | None = Query(default=None, alias="to"),
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> PageRead[TouchpointRead]:
    """Touchpoints of your team, oldest logged first; `from`/`to` bound `occurred_at`."""
    page = service.list_touchpoints(
        session,
        actor=user,
        candidate_id=candidate_id,
        project_id=project_id,
        user_id=user_id,
        kind=kind,
        channel=channel,
        sequence_id=sequence_id,
        sequence_stage=sequence_stage,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        limit=limit,
        cursor=cursor,
    )
    items = [TouchpointRead.model_validate(t) for t in page.items]
    return PageRead[TouchpointRead](items=items, next_cursor=page.next_cursor)


@router.get("/touchpoints/{touchpoint_id}", response_model=TouchpointRead)
def get_touchpoint(
    touchpoint_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> Touchpoint:
    """One touchpoint."""
    return service.get_touchpoint(session, actor=user, touchpoint_id=touchpoint_id)


@router.patch("/touchpoints/{touchpoint_id}", response_model=TouchpointRead)
def update_touchpoint(
    touchpoint_id: int,
    body: TouchpointUpdate,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> Touchpoint:
    """Edit a touchpoint you logged (admins: any); auto designations are resolved again."""
    return service.update_touchpoint(session, actor=user, touchpoint_id=touchpoint_id, changes=body)


@router.delete("/touchpoints/{touchpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_touchpoint(
    touchpoint_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> None:
    """Delete a touchpoint you logged (admins: any); it is kept in the audit log."""
    service.delete_touchpoint(session, actor=user, touchpoint_id=touchpoint_id)


@router.post(
    "/projects/{project_id}/touchpoints/bulk",
    response_model=BulkResult,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=IDEMPOTENT,
)
def log_bulk(
    project_id: int,
    body: BulkCreate,
    request: Request,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> BulkResult:
    """Log one touchpoint for each chosen candidate of the project: all of them, or none."""
    limit = request.app.state.settings.bulk_max_candidates
    return bulk.log_bulk(session, actor=user, project_id=project_id, data=body, limit=limit)


@router.get("/batches/{batch_id}", response_model=BatchRead)
def get_batch(
    batch_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> Batch:
    """A bulk action and what it wrote."""
    return bulk.get_batch(session, actor=user, batch_id=batch_id)


@router.delete("/batches/{batch_id}", response_model=BatchRead)
def undo_batch(
    batch_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> Batch:
    """Undo a bulk action: delete every touchpoint it wrote."""
    return bulk.undo_batch(session, actor=user, batch_id=batch_id)


@router.get("/follow-ups", response_model=PageRead[FollowUpRead], tags=["follow-ups"])
def follow_ups(
    days: Annotated[
        FollowUpDays,
        Query(
            description="Due when your latest outreach to a candidate is this many days old "
            "(days in your team's time zone) and they have not replied since"
        ),
    ] = FOLLOW_UP_DAYS,
    later_days: Annotated[
        FollowUpDays,
        Query(
            description="Due when their latest reply, “Follow up later”, is this many days old "
            "and nobody has reached out since"
        ),
    ] = LATER_DAYS,
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> PageRead[FollowUpRead]:
    """Your follow-ups due today, oldest first: your outreach with no reply since, and the
    replies marked “Follow up later” whose time has come (by default after 14 days)."""
    page = followups.follow_ups_due(
        session, actor=user, days=days, later_days=later_days, limit=limit, cursor=cursor
    )
    return PageRead[FollowUpRead](items=list(page.items), next_cursor=page.next_cursor)
