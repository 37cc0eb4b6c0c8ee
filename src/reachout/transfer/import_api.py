"""`POST /api/v1/imports/...`: a CSV file as the body (`text/csv`) or as a multipart `file`."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from reachout.errors import Invalid
from reachout.models import User
from reachout.problems import PROBLEM_RESPONSES
from reachout.routing import ApiRoute, get_session
from reachout.transfer import candidate_import, touchpoint_import
from reachout.transfer.schemas import CandidateImportResult, TouchpointImportResult
from reachout.users.auth import current_user

router = APIRouter(tags=["imports"], route_class=ApiRoute, responses=PROBLEM_RESPONSES)

FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


async def uploaded_file(request: Request) -> bytes:
    """The file sent: the whole body, or the multipart form's `file` part."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Invalid.on("file", "the form has no file part named “file”")
        return await upload.read()
    return await request.body()


def _mapping(text: str | None) -> dict[str, str | None] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()
    ):
        raise Invalid.on(
            "mapping", 'expected a JSON object of column to field, e.g. {"Full Name": "name"}'
        )
    return value


@router.post("/imports/candidates", response_model=CandidateImportResult, openapi_extra=FILE_BODY)
def import_candidates(
    project_id: int | None = Query(default=None, description="Add every row's candidate to it"),
    dry_run: bool = Query(default=False, description="Answer what would happen; write nothing"),
    skip_invalid: bool = Query(
        default=False, description="Import the valid rows and report the others (else: none)"
    ),
    mapping: str | None = Query(
        default=None,
        description='Columns read as fields, overriding their headers: {"Full Name": "name", '
        '"Notes": null}',
    ),
    data: bytes = Depends(uploaded_file),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> CandidateImportResult:
    """Import candidates from a CSV file (SPEC §7): all or nothing unless `skip_invalid`."""
    return candidate_import.import_candidates(
        session,
        actor=user,
        data=data,
        project_id=project_id,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        mapping=_mapping(mapping),
    )


class HistoryFormat(StrEnum):
    gem = "gem"


@router.post("/imports/touchpoints", response_model=TouchpointImportResult, openapi_extra=FILE_BODY)
def import_touchpoints(
    format: HistoryFormat = Query(description="The file's format: Gem's `event_log` export"),
    dry_run: bool = Query(default=False, description="Answer what would happen; write nothing"),
    skip_invalid: bool = Query(
        default=False, description="Import the valid rows and report the others (else: none)"
    ),
    data: bytes = Depends(uploaded_file),
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> TouchpointImportResult:
    """Import touchpoint history (SPEC §7); rows the team has already are not written again."""
    return touchpoint_import.import_gem(
        session, actor=user, data=data, dry_run=dry_run, skip_invalid=skip_invalid
    )
