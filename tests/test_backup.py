"""`reachout db backup` and `reachout db restore`, on SQLite and on PostgreSQL.

The backup is taken while clients log touchpoints through a live server; restored into a fresh
database, it holds every touchpoint acknowledged before the backup began, its schema is at the
head revision, and the app serves from it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from reachout import migrate
from reachout.app import create_app
from reachout.config import Settings
from reachout.db import Database
from reachout.models import Touchpoint
from tests.conftest import LiveServer
from tests.factories import World, make_candidate
from tests.test_cli import assert_one_line_error, run_cli

WRITERS = 3
# Touchpoints acknowledged before the backup starts, and after it ends (the load went on).
BEFORE, AFTER = 30, 10
LOAD_TIMEOUT_S = 30


class Load:
    """Clients logging touchpoints through the server until stopped; each acknowledged
    touchpoint's id and note."""

    def __init__(self, base_url: str, headers: dict[str, str], candidate_ids: list[int]) -> None:
        self.acked: dict[int, str] = {}
        self.failures: list[str] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._serial = 0
        self._threads = [
            threading.Thread(target=self._write, args=(base_url, headers, candidate_ids))
            for _ in range(WRITERS)
        ]

    def _write(self, base_url: str, headers: dict[str, str], candidate_ids: list[int]) -> None:
        start = datetime.now(UTC) - timedelta(days=1)
        with httpx.Client(base_url=base_url, headers=headers, timeout=10) as client:
            while not self.stop.is_set():
                with self._lock:
                    self._serial += 1
                    n = self._serial
                body = {
                    "candidate_id": candidate_ids[n % len(candidate_ids)],
                    "channel": "email",
                    "note": f"load-{n}",
                    "occurred_at": (start + timedelta(seconds=n)).isoformat(),
                }
                r = client.post("/api/v1/touchpoints", json=body)
                with self._lock:
                    if r.status_code == 201:
                        self.acked[r.json()["id"]] = body["note"]
                    else:
                        self.failures.append(f"{r.status_code} {r.text[:200]}")
                        return

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=LOAD_TIMEOUT_S)

    def acknowledged(self) -> dict[int, str]:
        with self._lock:
            return dict(self.acked)

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while len(self.acknowledged()) < count:
            assert not self.failures, self.failures
            assert time.monotonic() < deadline, f"only {len(self.acked)} writes in time"
            time.sleep(0.01)


@pytest.fixture
def fresh_url(db: Database, tmp_path: Path) -> Iterator[str]:
    """A database of the same kind with nothing in it: another file, or another database on
    the same PostgreSQL server."""
    if db.dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    admin = make_url(os.environ["REACHOUT_TEST_POSTGRES_URL"])
    name = f"{db.engine.url.database}_restored"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def test_a_backup_under_write_load_restores_every_acknowledged_touchpoint(
    db: Database, world: World, live_server: LiveServer, fresh_url: str, tmp_path: Path
) -> None:
    with db.unit_of_work() as s:
        ids = [make_candidate(s, team=world.team).id for _ in range(5)]
    file = tmp_path / "reachout.backup"
    with Load(live_server.url, world.member.headers, ids) as load:
        load.wait_for(BEFORE)
        before = load.acknowledged()
        backed_up = run_cli(db.settings.database_url, "db", "backup", str(file))
        # The server kept taking writes through the backup and after it.
        load.wait_for(len(load.acknowledged()) + AFTER)
    assert not load.failures, load.failures
    assert backed_up.exit_code == 0, backed_up.stderr
    assert f"Backed up to {file}" in backed_up.stdout

    restored = run_cli(fresh_url, "db", "restore", str(file))
    assert restored.exit_code == 0, restored.stderr
    assert "The schema is current" in restored.stdout

    copy = Database(Settings(database_url=fresh_url))
    try:
        assert migrate.current_revision(copy.engine) == migrate.head_revision()
        with copy.unit_of_work(write=False) as s:
            rows = {i: note for i, note in s.execute(select(Touchpoint.id, Touchpoint.note))}
        missing = {i: note for i, note in before.items() if rows.get(i) != note}
        assert not missing, f"{len(missing)} acknowledged touchpoints missing: {missing}"
        # The app starts on the restored database, and its tokens work there.
        with TestClient(create_app(copy.settings, db=copy)) as app:
            me = app.get("/api/v1/me", headers=world.member.headers)
            assert me.status_code == 200, me.text
            listed = app.get("/api/v1/touchpoints", headers=world.member.headers)
            assert listed.status_code == 200, listed.text
    finally:
        copy.dispose()


def test_restore_refuses_a_database_in_use(
    db: Database, world: World, live_server: LiveServer, tmp_path: Path
) -> None:
    file = tmp_path / "reachout.backup"
    assert run_cli(db.settings.database_url, "db", "backup", str(file)).exit_code == 0
    # The app has the database open (its pooled connections; this one for certain).
    with db.engine.connect() as held:
        held.execute(text("SELECT 1"))
        result = run_cli(db.settings.database_url, "db", "restore", "--force", str(file))
    assert_one_line_error(result, "is in use", "stop the app's servers and workers first")
    r = httpx.get(f"{live_server.url}/api/v1/me", headers=world.member.headers, timeout=10)
    assert r.status_code == 200, r.text


def test_restore_names_what_is_wrong_with_the_file(
    db: Database, world: World, fresh_url: str, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.backup"
    assert_one_line_error(run_cli(fresh_url, "db", "restore", str(missing)), str(missing))
    junk = tmp_path / "junk.backup"
    junk.write_text("id,name\n1,Ada\n")
    assert_one_line_error(run_cli(fresh_url, "db", "restore", str(junk)), "is not a backup")
    # A backup of the other kind of database.
    other = tmp_path / "other.backup"
    other.write_bytes(b"PGDMP" if db.dialect == "sqlite" else b"SQLite format 3\x00")
    kind = "PostgreSQL" if db.dialect == "sqlite" else "SQLite"
    assert_one_line_error(run_cli(fresh_url, "db", "restore", str(other)), f"a {kind} backup")
    # A database that has tables is replaced only when asked to (--force).
    file = tmp_path / "reachout.backup"
    assert run_cli(db.settings.database_url, "db", "backup", str(file)).exit_code == 0
    assert run_cli(fresh_url, "db", "restore", str(file)).exit_code == 0
    assert_one_line_error(run_cli(fresh_url, "db", "restore", str(file)), "--force")
    again = run_cli(fresh_url, "db", "restore", "--force", str(file))
    assert again.exit_code == 0, again.stderr
