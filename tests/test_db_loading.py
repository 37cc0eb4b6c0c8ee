"""Bulk loading (reachout.db, kit.sql.reserve_ids): each database's own fast path, on both.

Seeding (tests/test_seed.py) runs these end to end; here each helper is held to its promise.
"""

from __future__ import annotations

from typing import cast

import pytest
from sqlalchemy import Table, inspect, select, text
from sqlalchemy.orm import Session

from reachout.db import indexes_built_after, larger_page_cache, write_rows
from reachout.kit.sql import reserve_ids
from reachout.models import Team, Touchpoint

STORED_AT = "2026-03-01 12:00:00.000000"  # as both databases store a UTC instant


def test_reserved_ids_are_fresh_and_later_rows_get_others(session: Session) -> None:
    session.add(Team(name="Before"))
    session.flush()
    ids = reserve_ids(session, Team.__tablename__, 3)
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert min(ids) > session.scalar(select(Team.id).where(Team.name == "Before"))
    rows = [(i, f"Loaded {i}", "UTC", STORED_AT) for i in ids]
    write_rows(session, Team.__tablename__, ["id", "name", "time_zone", "created_at"], rows)
    after = Team(name="After")
    session.add(after)
    session.flush()
    assert after.id not in ids
    loaded = session.scalars(select(Team.name).where(Team.id.in_(ids)).order_by(Team.id))
    assert list(loaded) == [f"Loaded {i}" for i in ids]


def test_no_ids_reserved_for_none(session: Session) -> None:
    assert reserve_ids(session, Team.__tablename__, 0) == []


def test_a_load_leaves_the_indexes_as_it_found_them(session: Session) -> None:
    table = cast(Table, Touchpoint.__table__)

    def indexes() -> set[str]:
        return {str(i["name"]) for i in inspect(session.connection()).get_indexes(table.name)}

    before = indexes()
    with indexes_built_after(session, [table]):
        assert indexes().isdisjoint(str(i.name) for i in table.indexes)
    assert indexes() == before


def test_the_page_cache_is_restored_after_a_load(session: Session) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL's buffers are the server's: nothing to change or restore")
    before = session.scalar(text("PRAGMA cache_size"))
    with larger_page_cache(session):
        assert session.scalar(text("PRAGMA cache_size")) != before
    assert session.scalar(text("PRAGMA cache_size")) == before
