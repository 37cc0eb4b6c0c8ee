"""Which tables a seed loads the fast way; how each database loads them is reachout.db's.

Rows are written with the driver alone (`reachout.db.write_rows`), ids reserved up front
(`reachout.kit.sql.reserve_ids`), and a table that at least doubles is loaded without its
secondary indexes (`reachout.db.indexes_built_after`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import cast

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

from reachout.db import indexes_built_after
from reachout.db import write_rows as write_rows  # bench/sections/bulk.py imports it from here
from reachout.models import Base


@contextmanager
def loading(session: Session, rows: Mapping[type[Base], int]) -> Iterator[None]:
    """Ready tables for big appends (`rows`: how many each is about to get), and restore them.

    Only a table that at least doubles loses its indexes meanwhile: rebuilding an index sorts
    the whole table, which pays only when the load is as big as what is there. The indexes are
    built again from the models' definitions, which are the schema's (the migrations test
    checks that they agree).
    """
    tables = [
        cast(Table, model.__table__)
        for model, count in rows.items()
        if count and _has_at_most(session, model.__tablename__, count)
    ]
    with indexes_built_after(session, tables):
        yield


def _has_at_most(session: Session, table: str, count: int) -> bool:
    """Whether a table has `count` rows or fewer, counting no further than that."""
    sample = text(f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT :n) AS sample')
    return int(session.scalar(sample, {"n": count + 1}) or 0) <= count
