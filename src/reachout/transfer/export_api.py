"""The export downloads of the API (SPEC §7), and the streamed answer the pages send too."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool

from reachout.db import READ_HEADERS_DOC, Database, read_headers
from reachout.models import User
from reachout.problems import PROBLEM_RESPONSES
from reachout.routing import ApiRoute
from reachout.transfer import exports
from reachout.transfer.export_stream import Export
from reachout.transfer.exports import CandidateFormat, ExportTeam, TouchpointFormat
from reachout.users.auth import current_user

router = APIRouter(tags=["exports"], route_class=ApiRoute, responses=PROBLEM_RESPONSES)

_TEXT = {"schema": {"type": "string"}}
DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file, streamed: CSV (`gem`, `csv`) or one JSON object per line "
        "(`jsonl`)",
        "content": {"text/csv": _TEXT, "application/x-ndjson": _TEXT},
        "headers": {
            "Content-Disposition": {
                "description": 'attachment; filename="reachout-...-YYYY-MM-DD.csv"',
                "schema": {"type": "string"},
            },
            **READ_HEADERS_DOC,
        },
    }
}


def _choices(formats: type[TouchpointFormat] | type[CandidateFormat]) -> dict[str, Any]:
    # Documented as an enum, checked by the service (the pages and the CLI send text too, and
    # get the same 422).
    return {"enum": [f.value for f in formats]}


def download(export: Export) -> StreamingResponse:
    """The export as a streamed download.

    Its first chunk is made before the answer starts, within the endpoint's trip to the thread
    pool: a database that fails then is an error answer, not a 200 cut short.
    """
    session = export.db.replica_session()
    chunks = export.chunks(session=session)
    first = next(chunks, "")
    return StreamingResponse(
        _sent(first, chunks),
        media_type=export.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            **read_headers(session),
        },
    )


async def _sent(first: str, chunks: Iterator[str]) -> AsyncIterator[str]:
    """The chunks, each made in the thread pool; the export's session is closed at the end,
    and also when the client goes away mid-way (the iteration is then cancelled)."""
    try:
        yield first
        async for chunk in iterate_in_threadpool(chunks):
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_close, chunks)


def _close(chunks: Iterator[Any]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


def _database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@router.get("/exports/touchpoints", response_class=StreamingResponse, responses=DOWNLOAD)
def export_touchpoints(
    request: Request,
    format: str = Query(
        default="csv",
        description="gem: Gem's event_log columns; csv or jsonl: Reachout's own columns",
        json_schema_extra=_choices(TouchpointFormat),
    ),
    from_: str | None = Query(
        default=None,
        alias="from",
        description="First day of `occurred_at`, YYYY-MM-DD, in the team's time zone",
        json_schema_extra={"format": "date"},
    ),
    to: str | None = Query(
        default=None,
        description="Last day, YYYY-MM-DD, included",
        json_schema_extra={"format": "date"},
    ),
    user: User = Depends(current_user),
) -> StreamingResponse:
    """Your team's touchpoints, oldest first, streamed."""
    export = exports.touchpoints_export(
        _database(request), team=ExportTeam.of(user.team), format=format, from_=from_, to=to
    )
    return download(export)


@router.get("/exports/candidates", response_class=StreamingResponse, responses=DOWNLOAD)
def export_candidates(
    request: Request,
    format: str = Query(default="csv", json_schema_extra=_choices(CandidateFormat)),
    user: User = Depends(current_user),
) -> StreamingResponse:
    """Your team's candidates with their emails and projects, streamed; the CSV re-imports."""
    export = exports.candidates_export(
        _database(request), team=ExportTeam.of(user.team), format=format
    )
    return download(export)
