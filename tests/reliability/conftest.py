"""Fault tests: real servers killed mid-load, database errors injected mid-request, held locks.

`reachout serve` runs in a process group of its own, so one `killpg(SIGKILL)` takes down the
supervisor and every worker at once, as a crashed host or an OOM kill would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

import reachout
from reachout.db import Database
from reachout.kit.sql import lock_team_histories
from reachout.models import Base
from tests.problems import assert_problem

# The source tree the tests import, so that the server runs exactly the code under test.
SOURCE_ROOT = Path(reachout.__file__).resolve().parents[1]
READY_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _group_alive(pgid: int) -> list[int]:
    """Processes of a process group that are still running (zombies excluded)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces): state, ppid, pgrp, ...
        state, _ppid, pgrp = stat.rpartition(")")[2].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            alive.append(int(entry.name))
    return alive


class ServerProcess:
    """The app's server processes on a free loopback port, against one database."""

    def __init__(
        self,
        database_url: str,
        *,
        workers: int,
        log_dir: Path,
        settings: dict[str, str] | None = None,
        keep_port: bool = False,
    ) -> None:
        self.database_url = database_url
        # Restarts listen on the first start's port (a proxy in front names it).
        self.keep_port = keep_port
        # REACHOUT_* settings of the server beyond its database.
        self.settings = {"REACHOUT_POOL_SIZE": "4", **(settings or {})}
        self.workers = workers
        self.log_dir = log_dir
        self.starts = 0
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"server-{self.starts}.log"

    def start(self, ready_headers: dict[str, str]) -> None:
        """Start the server and wait until it answers an authenticated API request."""
        assert self.process is None, "the server is running already"
        self.starts += 1
        if not (self.keep_port and self.port):
            self.port = free_port()
        env = {
            **os.environ,
            "REACHOUT_DATABASE_URL": self.database_url,
            **self.settings,
            "PYTHONPATH": os.pathsep.join(
                [str(SOURCE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self._command(),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready(ready_headers)

    def _command(self) -> list[str]:
        where = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        if self.starts == 1:
            # The operator's command: it applies migrations, then runs uvicorn on the app factory.
            return [sys.executable, "-m", "reachout", "serve", *where]
        # Restarts run that uvicorn step directly: the migrations are applied already, and
        # skipping the CLI's imports saves about a second of CPU per start (five per database).
        return [sys.executable, "-m", "uvicorn", "reachout.app:create_app", "--factory", *where]

    def _wait_ready(self, headers: dict[str, str]) -> None:
        # /me reads the database, so a 200 means a worker is up and can reach it.
        deadline = time.monotonic() + READY_TIMEOUT_S
        with httpx.Client(base_url=self.url, timeout=5) as client:
            while True:
                assert self.process is not None
                if self.process.poll() is not None:
                    pytest.fail(f"the server exited with {self.process.returncode}:\n{self.log()}")
                try:
                    if client.get("/api/v1/me", headers=headers).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"the server was not ready in {READY_TIMEOUT_S} s:\n{self.log()}")
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown code runs anywhere."""
        if self.process is None:
            return
        pgid = self.process.pid
        with suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None
        deadline = time.monotonic() + 10
        while survivors := _group_alive(pgid):
            assert time.monotonic() < deadline, f"server processes survived SIGKILL: {survivors}"
            time.sleep(0.02)

    def log(self, last: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-last:]
        except OSError:
            return "(no log)"


@pytest.fixture
def spawn_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Makes server processes; whatever is still running at the end is killed."""
    servers: list[ServerProcess] = []

    def spawn(
        database_url: str, *, workers: int = 1, settings: dict[str, str] | None = None
    ) -> ServerProcess:
        server = ServerProcess(database_url, workers=workers, log_dir=tmp_path, settings=settings)
        servers.append(server)
        return server

    yield spawn
    for server in servers:
        server.kill()


def snapshot(db: Database) -> dict[str, list[Any]]:
    """Every row of every table, in primary key order."""
    with db.engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def changed_tables(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


@contextmanager
def writers_held(db: Database, *, team_id: int) -> Iterator[Session]:
    """Hold what every write to the team's histories waits for, until the block ends.

    PostgreSQL: the team's exclusive advisory lock (touchpoint writes take it shared, bulk
    writes exclusively). SQLite: the database's write lock, which a write session takes with
    its first statement (BEGIN IMMEDIATE).
    """
    session = db.new_session(write=True)
    try:
        lock_team_histories(session, team_id=team_id)
        session.execute(text("SELECT 1"))
        yield session
    finally:
        session.rollback()
        session.close()


def assert_server_problem(response: httpx.Response) -> dict[str, Any]:
    """A server-side failure answered as problem+json (RFC 9457), not a bare 500 page."""
    assert response.status_code in (500, 503), (response.status_code, response.text)
    body = assert_problem(response, response.status_code)
    if response.status_code == 500:
        # The server drops the connection after a 500 (see reachout.problems): it must say so.
        assert response.headers.get("connection") == "close"
    # Nothing of the internals leaks to the client: no SQL, no traceback.
    assert "SELECT" not in response.text.upper() and "Traceback" not in response.text
    return body
