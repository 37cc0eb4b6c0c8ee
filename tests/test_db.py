"""The PostgreSQL pool: a connection is pinged before use only when it may be dead."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from reachout import db as db_module
from reachout.config import Settings
from reachout.db import Database


@pytest.fixture
def pg(database: Database) -> Iterator[Database]:
    """A second Database on the test's PostgreSQL database, with one pooled connection."""
    if database.dialect != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    own = Database(Settings(database_url=database.settings.database_url, pool_size=1))
    yield own
    own.dispose()


def _backend_pid(db: Database) -> int:
    with db.unit_of_work(write=False) as session:
        pid: int = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return pid


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch, pg: Database) -> list[int]:
    """The pings the pool sends (each one a round trip), counted."""
    seen: list[int] = []
    ping = pg.engine.dialect.do_ping

    def counted(dbapi_conn: Any) -> bool:
        seen.append(1)
        return ping(dbapi_conn)

    monkeypatch.setattr(pg.engine.dialect, "do_ping", counted)
    return seen


def test_a_connection_in_use_is_not_pinged(pg: Database, pings: list[int]) -> None:
    first = _backend_pid(pg)
    for _ in range(5):
        assert _backend_pid(pg) == first
    assert pings == []


def test_a_connection_idle_for_long_is_pinged(
    pg: Database, pings: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend_pid(pg)
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert _backend_pid(pg) == first
    assert pings == [1]


def test_a_connection_the_server_closed_is_replaced_before_use(
    pg: Database, pings: list[int]
) -> None:
    first = _backend_pid(pg)
    admin = create_engine(pg.settings.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar()
        deadline = time.monotonic() + 10
        while conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": first}
        ).scalar():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)
    admin.dispose()
    # No request fails: the pool saw the goodbye on the socket, pinged, and reconnected.
    assert _backend_pid(pg) != first
    assert pings == [1]
