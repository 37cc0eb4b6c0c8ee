"""The export downloads of the web app (SPEC §7): the API's exports, for a signed-in user."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from reachout.models import User
from reachout.transfer import exports
from reachout.transfer.export_api import download
from reachout.transfer.exports import ExportTeam
from reachout.users.auth import page_user
from reachout.web.route import PageRoute

router = APIRouter(route_class=PageRoute)


@router.get("/candidates/export")
def candidates_download(
    request: Request, format: str = "csv", user: User = Depends(page_user)
) -> StreamingResponse:
    export = exports.candidates_export(
        request.app.state.db, team=ExportTeam.of(user.team), format=format
    )
    return download(export)


@router.get("/touchpoints/export")
def touchpoints_download(
    request: Request,
    format: str = "csv",
    from_: str | None = Query(default=None, alias="from"),
    to: str | None = None,
    user: User = Depends(page_user),
) -> StreamingResponse:
    export = exports.touchpoints_export(
        request.app.state.db, team=ExportTeam.of(user.team), format=format, from_=from_, to=to
    )
    return download(export)
