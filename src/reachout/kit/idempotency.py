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

from sqlalchemy import CTE, Insert, Table, Update, bindparam, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from starlette.responses import Response

from reachout.errors import Conflict, Invalid
from reachout.models import ApiToken, IdempotencyRecord
from reachout.models.base import UTCDateTime, utcnow

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


def claim(session: Session, *, owner_id: int, key: str, request_print: str) -> int | Response:
    """The first answer given for this key (to send again), or the id of a new claim on it."""
    key = key.strip()
    if not key or len(key) > KEY_MAX:
        raise Invalid.on(HEADER, f"must be 1 to {KEY_MAX} characters")
    values = {"user_id": owner_id, "key": key, "fingerprint": request_print}
    statement = _claim_statement(session.get_bind().dialect.name)
    claimed: int | None = session.connection().execute(statement, values).scalar()
    if claimed is not None:
        return claimed
    return taken(session, owner_id=owner_id, key=key, request_print=request_print)


def taken(session: Session, *, owner_id: int, key: str, request_print: str) -> Response:
    """The answer to replay for a key a claim found taken."""
    # Taken by a request that committed (on PostgreSQL, perhaps while we waited for it).
    existing = _find(session, owner_id, key)
    if existing is None:
        # Taken by a record that is gone again: rare enough to leave to the client.
        raise Conflict(f"{HEADER} {key!r} was in use by another request; try again")
    return _replay(existing, request_print)


def usable_key(key: str) -> str | None:
    """The key as `claim` takes it, or None if `claim` would refuse it."""
    key = key.strip()
    return key if key and len(key) <= KEY_MAX else None


@cache
def claim_by_token() -> CTE:
    """PostgreSQL: `claim` as a data-modifying CTE, for the user of the API token whose hash is
    bound as `token_hash`, so that the token's lookup makes the claim in the same statement
    (`users.service.authenticate_token_with`): one round trip less on every request with a
    key. Its values: `claim_values`. Its column: the new claim's id (no row: the key is taken)."""
    table = _table()
    token: Table = ApiToken.__table__  # type: ignore[assignment]
    rows = select(
        token.c.user_id,
        bindparam("claim_key"),
        bindparam("claim_fingerprint"),
        literal(0),
        literal(""),
        bindparam("claim_created_at", type_=UTCDateTime()),
    ).where(token.c.token_hash == bindparam("token_hash"), token.c.revoked_at.is_(None))
    columns = ["user_id", "key", "fingerprint", "status_code", "response_body", "created_at"]
    return (
        postgresql.insert(table)
        .from_select(columns, rows)
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(table.c.id)
        .cte("claimed")
    )


def claim_values(key: str, request_print: str) -> dict[str, Any]:
    """The values of `claim_by_token` (a key `usable_key` gave)."""
    # Given, not left to the column's default: a CTE's insert gets no Python-side default.
    return {"claim_key": key, "claim_fingerprint": request_print, "claim_created_at": utcnow()}


def _table() -> Table:
    # Core statements on the table: the ORM's bulk insert and flush cost more than the SQL.
    return cast(Table, IdempotencyRecord.__table__)


@cache
def _claim_statement(dialect: str) -> Insert:
    """Insert a claim unless the key is taken, answering its id (else nothing): one statement,
    where a lookup and an insert in a savepoint took four round trips on every request.

    ON CONFLICT DO NOTHING waits, on PostgreSQL, for a transaction holding the same key to end,
    then inserts if it rolled back and does nothing if it committed; SQLite writers hold the
    database's write lock, so there is nothing to wait for. Both dialects spell it alike. Built
    once: the statements of a request are a good part of its time.
    """
    table = _table()
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
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


def remember(session: Session, claim_id: int, response: Response) -> None:
    """Store the answer to send again for the claimed key."""
    values = {
        "claim_id": claim_id,
        "status_code": response.status_code,
        "response_body": bytes(response.body).decode(),
    }
    session.connection().execute(_remember_statement(), values)
