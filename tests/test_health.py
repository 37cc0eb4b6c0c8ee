"""/healthz and /readyz (reachout.health): what a load balancer or an orchestrator asks a
server process before sending it requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reachout import health, migrate
from reachout.app import create_app
from reachout.config import Settings
from reachout.db import Database
from tests.sequences.conftest import free_port


def _client(db: Database) -> TestClient:
    return TestClient(create_app(db.settings, db=db))


@pytest.fixture
def blank_db(database: Database, tmp_path: Path) -> Iterator[Database]:
    """A database of the same kind as the tests', with no schema."""
    if database.dialect == "sqlite":
        blank = Database(Settings(database_url=f"sqlite:///{tmp_path / 'blank.db'}"))
        yield blank
        blank.dispose()
        return
    url = make_url(database.settings.database_url)
    name = f"{url.database}_blank"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    blank = Database(Settings(database_url=url.set(database=name).render_as_string(False)))
    yield blank
    blank.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_both_answer_anyone_and_stay_out_of_the_api_document(db: Database) -> None:
    client = _client(db)
    alive, ready = client.get("/healthz"), client.get("/readyz")
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    assert ready.headers["cache-control"] == "no-store"
    # No session: a health checker polling every second leaves no cookie and no row behind.
    assert "set-cookie" not in alive.headers and "set-cookie" not in ready.headers
    paths = client.get("/api/openapi.json").json()["paths"]
    assert not {"/healthz", "/readyz"} & set(paths)


def _set_revision(db: Database, revision: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def test_ready_only_once_the_schema_is_this_versions_or_newer(blank_db: Database) -> None:
    client = _client(blank_db)
    empty = client.get("/readyz")
    assert empty.status_code == 503
    assert empty.json()["reason"].endswith("run `reachout db upgrade`")
    migrate.upgrade(blank_db.engine)
    assert client.get("/readyz").status_code == 200
    # An older revision: this code would run on a schema it was not written for.
    older = sorted(migrate.known_revisions())[-2]
    _set_revision(blank_db, older)
    behind = client.get("/readyz")
    assert behind.status_code == 503
    assert f"revision {older}" in behind.json()["reason"]
    # A newer version's migration, applied before a rolling restart: the old processes keep
    # serving until they are replaced (docs/deploy.md).
    _set_revision(blank_db, "9999_from_a_newer_version")
    assert client.get("/readyz").status_code == 200


def test_not_ready_while_the_database_does_not_answer(database: Database, tmp_path: Path) -> None:
    if database.dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'no such directory' / 'reachout.db'}"
    else:  # a port nothing listens on
        url = make_url(database.settings.database_url).set(port=free_port()).render_as_string()
    down = Database(Settings(database_url=url))
    try:
        client = _client(down)
        assert client.get("/healthz").status_code == 200  # the process itself is fine
        answer = client.get("/readyz")
        assert answer.status_code == 503
        # Anyone may ask: the answer names neither the database nor its error.
        assert answer.json() == {"status": "unavailable", "reason": "the database does not answer"}
    finally:
        down.dispose()


def test_a_database_that_hangs_gets_a_503_in_time_and_one_thread(db: Database) -> None:
    if db.dialect == "sqlite":
        pytest.skip("SQLite in WAL mode never makes a reader wait: a check cannot hang there")
    client = _client(db)
    # Whoever reads alembic_version waits for this lock, as a database that stopped answering
    # would keep the check waiting.
    holder = db.engine.connect()
    holder.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
    try:
        started = time.monotonic()
        first = client.get("/readyz")
        took = time.monotonic() - started
        assert first.status_code == 503
        assert first.json()["reason"] == "the database did not answer in time"
        assert health.READY_TIMEOUT_SECONDS <= took < health.READY_TIMEOUT_SECONDS + 1.5
        # The first check still waits: the next ones do not pile up behind it.
        started = time.monotonic()
        second = client.get("/readyz")
        assert time.monotonic() - started < 1
        assert second.json()["reason"] == "an earlier check is still waiting for the database"
    finally:
        holder.rollback()
        holder.close()
    deadline = time.monotonic() + 5
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, "ready again once the database answers"
        time.sleep(0.05)
