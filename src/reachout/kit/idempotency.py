"""Idempotency keys (SPEC §2 rule 8): a repeated POST replays its first answer.

The key is claimed by inserting its record *before* the work runs, in the request's own
transaction. A concurrent request with the same key then waits on the unique index until the
first commits (PostgreSQL) or on the write lock (SQLite), and replays the stored answer: the
work and its recorded answer commit together or not at all. A request that fails rolls back
its claim with everything else, so it can be retried with the same key.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import Response

from reachout.errors import Invalid
from reachout.models import IdempotencyRecord

HEADER = "Idempotency-Key"
KEY_MAX = 255

# Marks a route as idempotent (see reachout.routing) and documents the header in OpenAPI.
IDEMPOTENT: dict[str, Any] = {
    "parameters": [
        {
            "name": HEADER,
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": KEY_MAX},
            "description": "Repeat the POST with the same key and body to get the first "
            "answer back, with nothing written again; reusing a key for another body is a 422.",
        }
    ]
}


def is_idempotent(openapi_extra: dict[str, Any] | None) -> bool:
    """Whether a route was declared with `openapi_extra=IDEMPOTENT`."""
    parameters = (openapi_extra or {}).get("parameters", [])
    return any(p.get("name") == HEADER and p.get("in") == "header" for p in parameters)


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The request's identity: the same JSON in any key order or spacing is the same body."""
    try:
        canonical: Any = json.loads(body) if body else None
    except ValueError:
        canonical = body.decode("utf-8", "replace")
    text = json.dumps([method, path, canonical], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _find(session: Session, owner_id: int, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == owner_id, IdempotencyRecord.key == key
        )
    )


def _replay(record: IdempotencyRecord, request_print: str) -> Response:
    if record.fingerprint != request_print:
        raise Invalid.on(HEADER, "was already used for a different request; use a new key")
    return Response(
        record.response_body,
        status_code=record.status_code,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


def claim(
    session: Session, *, owner_id: int, key: str, request_print: str
) -> IdempotencyRecord | Response:
    """The first answer given for this key (to send again), or a new claim on it."""
    key = key.strip()
    if not key or len(key) > KEY_MAX:
        raise Invalid.on(HEADER, f"must be 1 to {KEY_MAX} characters")
    existing = _find(session, owner_id, key)
    if existing is not None:
        return _replay(existing, request_print)
    record = IdempotencyRecord(
        user_id=owner_id, key=key, fingerprint=request_print, status_code=0, response_body=""
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # Another request with this key committed while we waited: answer as it did.
        winner = _find(session, owner_id, key)
        if winner is None:
            raise
        return _replay(winner, request_print)
    return record


def remember(session: Session, record: IdempotencyRecord, response: Response) -> None:
    record.status_code = response.status_code
    record.response_body = bytes(response.body).decode()
    session.flush()
