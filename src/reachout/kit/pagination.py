"""Cursor pagination over an increasing id (or a (time, id) position): `?limit=&cursor=`,
answering `{items, next_cursor}`."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from reachout.errors import Invalid
from reachout.kit.time import as_utc, bounded_utc
from reachout.kit.types import MAX_ID

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


@dataclass
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


class PageRead(BaseModel, Generic[T]):
    """A page of a list: `next_cursor` is null on the last page."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        after = json.loads(base64.urlsafe_b64decode(padded))["after"]
        if not isinstance(after, int) or not 0 <= after <= MAX_ID:
            raise ValueError
        return after
    except (ValueError, KeyError, TypeError) as exc:
        raise Invalid.on("cursor", "is not a cursor this API gave out") from exc


def encode_position(at: datetime, row_id: int) -> str:
    """A cursor after a row of a list in (time, id) order (a history's order)."""
    payload = {"at": as_utc(at).isoformat(), "id": row_id}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_position(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded))
        at, row_id = bounded_utc(datetime.fromisoformat(payload["at"])), payload["id"]
        if not isinstance(row_id, int) or not 0 <= row_id <= MAX_ID:
            raise ValueError
        return at, row_id
    except (ValueError, KeyError, TypeError) as exc:
        raise Invalid.on("cursor", "is not a cursor this API gave out") from exc


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    id_column: InstrumentedAttribute[int],
    limit: int,
    cursor: str | None,
) -> Page[Any]:
    """Fetch one page of `stmt` ordered by `id_column`; one extra row tells if there is more."""
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(id_column > after)
    rows = list(session.scalars(stmt.order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(getattr(rows[-1], id_column.key)) if more and rows else None
    return Page(items=rows, next_cursor=next_cursor)
