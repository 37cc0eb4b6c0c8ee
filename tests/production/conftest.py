"""Production set-ups: `reachout serve` processes as an operator runs them, and a PostgreSQL
cluster of the test's own, which it can stop."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reachout.cli import DRAIN_SECONDS
from tests.reliability.conftest import ServerProcess, free_port

PG_SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "postgres"


class ServeProcess(ServerProcess):
    """`reachout serve --no-worker` on a port it keeps across restarts."""

    def _command(self) -> list[str]:
        where = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        return [sys.executable, "-m", "reachout", "serve", "--no-worker", *where]

    def terminate(self) -> float:
        """SIGTERM, as a process manager stops a server: the seconds it took to exit."""
        assert self.process is not None
        started = time.monotonic()
        os.killpg(self.process.pid, signal.SIGTERM)
        returncode = self.process.wait(timeout=DRAIN_SECONDS + 10)
        self.process = None
        # uvicorn ends by raising the signal again once it has shut down: a SIGTERM status
        # then, not a kill (the log says the shutdown completed).
        assert returncode in (0, -signal.SIGTERM), f"exit status {returncode}:\n{self.log()}"
        assert "Application shutdown complete" in self.log(), self.log()
        return time.monotonic() - started


@pytest.fixture
def spawn_serve(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """Makes `reachout serve` processes; whatever is still running at the end is killed."""
    servers: list[ServeProcess] = []

    def spawn(database_url: str, *, settings: dict[str, str] | None = None) -> ServeProcess:
        log_dir = tmp_path / f"serve-{len(servers)}"
        log_dir.mkdir()
        server = ServeProcess(
            database_url, workers=1, log_dir=log_dir, settings=settings, keep_port=True
        )
        servers.append(server)
        return server

    yield spawn
    for server in servers:
        server.kill()


@dataclass(frozen=True)
class OwnPostgres:
    url: str
    where: Path

    def stop(self) -> None:
        """Stop the cluster (fast shutdown: its connections are closed)."""
        subprocess.run(["bash", str(PG_SCRIPT), "stop", str(self.where)], check=False)


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    """A throwaway PostgreSQL cluster of this test's (`.ci/postgres`), which it may stop;
    stopped and removed at the end."""
    where = Path("/tmp") / f"reachout-test-pg-{os.getpid()}"
    started = subprocess.run(
        ["bash", str(PG_SCRIPT), "start", str(where), str(free_port())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert started.returncode == 0, f"PostgreSQL did not start:\n{started.stderr}"
    cluster = OwnPostgres(started.stdout.strip().partition("=")[2], where)
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(where, ignore_errors=True)
