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
from functools import cache
from typing import Any, cast

from sqlalchemy import Insert, Table, Update, bindparam, select, update
from sqlalchemy.orm import Session
from starlette.responses import Response

from reachout.errors import Conflict, Invalid
from reachout.kit.sql import dialect_of, upsert
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


def claim(session: Session, *, owner_id: int, key: str, request_print: str) -> int | Response:
    """Claim the owner's key for this request: the id of the new claim, or the first answer
    given for the key (to send again). A key of another request's body is a 422."""
    key = key.strip()
    if not key or len(key) > KEY_MAX:
        raise Invalid.on(HEADER, f"must be 1 to {KEY_MAX} characters")
    values = {"user_id": owner_id, "key": key, "fingerprint": request_print}
    statement = _claim_statement(dialect_of(session))
    claimed: int | None = session.connection().execute(statement, values).scalar()
    if claimed is not None:
        return claimed
    # Taken by a request that committed (on PostgreSQL, perhaps while this one waited for it).
    existing = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == owner_id, IdempotencyRecord.key == key
        )
    )
    if existing is None:
        # Taken by a record that is gone again: rare enough to leave to the client.
        raise Conflict(f"{HEADER} {key!r} was in use by another request; try again")
    return _replay(existing, request_print)


def _replay(record: IdempotencyRecord, request_print: str) -> Response:
    if record.fingerprint != request_print:
        raise Invalid.on(HEADER, "was already used for a different request; use a new key")
    return Response(
        record.response_body,
        status_code=record.status_code,
        media_type="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


def remember(session: Session, claim_id: int, response: Response) -> None:
    """Store the answer to send again for the claimed key."""
    values = {
        "claim_id": claim_id,
        "status_code": response.status_code,
        "response_body": bytes(response.body).decode(),
    }
    session.connection().execute(_remember_statement(), values)


def _table() -> Table:
    # Core statements on the table: the ORM's unit of work costs more than the SQL here.
    return cast(Table, IdempotencyRecord.__table__)


@cache
def _claim_statement(dialect: str) -> Insert:
    """Insert a claim unless the key is taken, answering its id (else no row): one statement.

    ON CONFLICT DO NOTHING waits, on PostgreSQL, for a transaction holding the same key to end,
    then inserts if it rolled back and does nothing if it committed; SQLite writers hold the
    database's write lock, so there is nothing to wait for. Built once per dialect, as every
    request with a key runs it.
    """
    table = _table()
    return (
        upsert(dialect, table)
        .values(
            user_id=bindparam("user_id"),
            key=bindparam("key"),
            fingerprint=bindparam("fingerprint"),
            status_code=0,
            response_body="",
        )
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(table.c.id)
    )


@cache
def _remember_statement() -> Update:
    table = _table()
    return (
        update(table)
        .where(table.c.id == bindparam("claim_id"))
        .values(status_code=bindparam("status_code"), response_body=bindparam("response_body"))
    )
