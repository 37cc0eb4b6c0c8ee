"""The databases a run measures: a SQLite file in a temporary directory, and a fresh PostgreSQL
database on a given server (or on a throwaway cluster started for the run)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.config import Config
from bench.timing import timed
from reachout import migrate
from reachout.config import Settings
from reachout.db import Database
from reachout.kit import wal

NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
BENCH_DATABASE = "reachout_bench"
THROWAWAY_DIR, THROWAWAY_PORT = "/tmp/reachout-bench-pg", "54331"
REPO = Path(__file__).resolve().parent.parent
# Server settings that move the figures, reported beside them.
PG_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "effective_cache_size",
    "max_parallel_workers_per_gather",
    "jit",
    "fsync",
    "synchronous_commit",
)


@dataclass
class Target:
    """One database under measurement, and the team the sections work on."""

    key: str
    db: Database
    version: str
    settings: dict[str, str]
    team_id: int = 0
    admin_id: int = 0
    notes: list[str] = field(default_factory=list)
    # Where a section may keep files for the run (a server's log, say).
    workdir: Path = field(default_factory=Path.cwd)

    @property
    def name(self) -> str:
        return NAMES[self.key]

    def settle(self) -> None:
        """Let the last action's background work end before the next is timed, so each starts
        from the same state. On SQLite, that is the WAL's checkpoint (kit/wal.py): the app's
        thread, or the server's, copies the WAL back after each commit; here it is waited for
        and finished (TRUNCATE), untimed. PostgreSQL's checkpoints are its own, on a schedule of
        minutes: nothing to wait for."""
        if self.db.checkpointer is None:
            return
        time.sleep(wal.MIN_INTERVAL_SECONDS + 0.25)
        self.db.checkpointer.checkpoint("TRUNCATE", timeout=30)

    def vacuum(self) -> float | None:
        """PostgreSQL: what autovacuum would do within a minute of the writes so far (the dead
        row versions removed, the visibility map and the statistics made current), done now,
        so that it does not run during the next timed section; its seconds. SQLite: None,
        nothing to do."""
        if self.key != "postgresql":
            return None
        with self.db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            seconds, _ = timed(lambda: conn.execute(text("VACUUM (ANALYZE)")))
        return seconds


@contextmanager
def open_target(key: str, config: Config, workdir: Path) -> Iterator[Target]:
    if key == "sqlite":
        opened = _sqlite(workdir)
    elif key == "postgresql":
        opened = _postgres(config)
    else:
        raise SystemExit(f"error: unknown database {key!r} (sqlite, postgresql)")
    with opened as target:
        target.workdir = workdir
        yield target


@contextmanager
def _sqlite(workdir: Path) -> Iterator[Target]:
    db = Database(Settings(database_url=f"sqlite:///{workdir / 'bench.db'}"))
    try:
        migrate.upgrade(db.engine)
        with db.engine.connect() as conn:
            settings = {
                name: str(conn.exec_driver_sql(f"PRAGMA {name}").scalar())
                for name in ("journal_mode", "synchronous", "cache_size", "wal_autocheckpoint")
            }
        yield Target("sqlite", db, sqlite3.sqlite_version, settings)
    finally:
        db.dispose()


@contextmanager
def _postgres(config: Config) -> Iterator[Target]:
    with _postgres_server(config.postgres_url) as server:
        admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{BENCH_DATABASE}"'))
        url = make_url(server).set(database=BENCH_DATABASE).render_as_string(hide_password=False)
        db = Database(Settings(database_url=url, pool_size=5))
        try:
            migrate.upgrade(db.engine)
            with db.engine.connect() as conn:
                version = str(conn.scalar(text("SHOW server_version")))
                settings = {s: str(conn.scalar(text(f"SHOW {s}"))) for s in PG_SETTINGS}
            yield Target("postgresql", db, version, settings)
        finally:
            db.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)'))
            admin.dispose()


@contextmanager
def _postgres_server(url: str | None) -> Iterator[str]:
    """The server to create the benchmark's database on: the one given, or a throwaway."""
    url = url or os.environ.get("REACHOUT_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    started = subprocess.run(
        ["bash", str(REPO / ".ci" / "postgres"), "start", THROWAWAY_DIR, THROWAWAY_PORT],
        capture_output=True,
        text=True,
        check=True,
    )
    try:
        yield started.stdout.strip().rsplit("=", 1)[-1]
    finally:
        subprocess.run(["bash", str(REPO / ".ci" / "postgres"), "stop", THROWAWAY_DIR], check=False)
