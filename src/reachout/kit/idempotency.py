"""Idempotency keys (SPEC §2 rule 8): a repeated POST replays its first answer.

The key is claimed by inserting its record *before* the work runs, in the request's own
transaction. A concurrent request with the same key then waits on the unique index until the
first commits (PostgreSQL) or on the write lock (SQLite), and replays the stored answer: the
work and its recorded answer commit together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout.errors import Invalid
from reachout.models import IdempotencyRecord

KEY_MAX = 255


def fingerprint(method: str, path: str, body: BaseModel | None) -> str:
    payload = body.model_dump(mode="json") if body is not None else None
    canonical = json.dumps([method, path, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _find(session: Session, user_id: int, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    )


def _replay(record: IdempotencyRecord, print_: str) -> JSONResponse:
    if record.fingerprint != print_:
        raise Invalid.on(
            "Idempotency-Key", "was already used for a different request; use a new key"
        )
    return JSONResponse(
        json.loads(record.response_body),
        status_code=record.status_code,
        headers={"Idempotent-Replayed": "true"},
    )


def respond_once(
    session: Session,
    *,
    user_id: int,
    key: str | None,
    request_print: str,
    status_code: int,
    run: Callable[[], Any],
) -> JSONResponse:
    """Run `run` and answer its result as JSON, or replay the answer given for `key` before."""
    if key is None:
        return JSONResponse(jsonable_encoder(run()), status_code=status_code)
    key = key.strip()
    if not key or len(key) > KEY_MAX:
        raise Invalid.on("Idempotency-Key", f"must be 1 to {KEY_MAX} characters")
    existing = _find(session, user_id, key)
    if existing is not None:
        return _replay(existing, request_print)
    record = IdempotencyRecord(
        user_id=user_id, key=key, fingerprint=request_print, status_code=0, response_body=""
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # Another request with this key committed while we waited: answer as it did.
        winner = _find(session, user_id, key)
        assert winner is not None
        return _replay(winner, request_print)
    body = jsonable_encoder(run())
    record.status_code = status_code
    record.response_body = json.dumps(body)
    session.flush()
    return JSONResponse(body, status_code=status_code)
