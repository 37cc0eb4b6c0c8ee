"""A read replica (REACHOUT_READ_DATABASE_URL): Outreach Stats read a PostgreSQL streaming
replica, and fall back to the primary when it is down.

The test makes its own throwaway primary and standby (initdb, then pg_basebackup -R), on free
loopback ports, and stops both at the end.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from reachout import migrate
from reachout.app import create_app
from reachout.config import Settings
from reachout.db import Database
from reachout.stats.schemas import StatsQuery
from reachout.stats.service import team_outreach_stats
from tests.conftest import DATABASES
from tests.factories import PASSWORD, World, make_candidate, make_world
from tests.sequences.conftest import free_port

# Each step (initdb, a start, a base backup, a stop) must finish within this.
STEP_TIMEOUT_S = 30
REPLAY_TIMEOUT_S = 10


def _as_owner(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


def _run(command: list[str]) -> None:
    done = subprocess.run(
        _as_owner(command), capture_output=True, text=True, timeout=STEP_TIMEOUT_S, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"


@dataclass
class Cluster:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1"
        log = self.data.parent / f"{self.data.name}.log"
        _run(["pg_ctl", "-D", str(self.data), "-l", str(log), "-w", "-o", options, "start"])

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            _run(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def scalar(self, sql: str) -> object:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return conn.scalar(text(sql))
        finally:
            engine.dispose()


@pytest.fixture
def primary_and_replica() -> Iterator[tuple[Cluster, Cluster]]:
    """A primary and its streaming replica, both running."""
    root = Path(tempfile.mkdtemp(prefix="reachout-replica-"))
    if os.getuid() == 0:
        shutil.chown(root, "postgres")
    primary = Cluster(root / "primary", free_port())
    replica = Cluster(root / "replica", free_port())
    try:
        _run(["initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust"])
        with (primary.data / "postgresql.conf").open("a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
        with (primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        primary.start()
        # -R: the standby's connection to the primary, and standby.signal, written for it.
        base = ["pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"]
        _run([*base, "-D", str(replica.data), "-R", "-X", "stream", "--checkpoint=fast"])
        replica.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for_replay(primary: Cluster, replica: Cluster) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    written = primary.scalar("SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + REPLAY_TIMEOUT_S
    while not replica.scalar(f"SELECT pg_last_wal_replay_lsn() >= '{written}'::pg_lsn"):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def _log(app: TestClient, world: World, candidate_ids: list[int], count: int) -> None:
    start = datetime.now(UTC) - timedelta(days=2)
    for n in range(count):
        body = {
            "candidate_id": candidate_ids[n % len(candidate_ids)],
            "channel": "email",
            "occurred_at": (start + timedelta(minutes=n)).isoformat(),
        }
        r = app.post("/api/v1/touchpoints", json=body, headers=world.member.headers)
        assert r.status_code == 201, r.text


def _sign_in(app: TestClient, world: World) -> None:
    form = app.get("/sign-in").text
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    signed = app.post(
        "/sign-in",
        data={"email": world.member.user.email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


def _primary_stats(db: Database, world: World) -> object:
    """The team's stats as the primary has them, as the API writes them."""
    with db.unit_of_work(write=False) as s:
        stats = team_outreach_stats(s, team=s.merge(world.team), query=StatsQuery())
    return stats.model_dump(mode="json", by_alias=True)


@pytest.mark.parametrize("kind", DATABASES)
def test_stats_read_the_replica_and_fall_back_to_the_primary(
    kind: str,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if kind == "sqlite":
        pytest.skip("a streaming replica is PostgreSQL's: SQLite has none to read from")
    primary, replica = request.getfixturevalue("primary_and_replica")
    db = Database(Settings(database_url=primary.url, read_database_url=replica.url))
    try:
        migrate.upgrade(db.engine)
        with db.unit_of_work() as s:
            world = make_world(s)
            ids = [make_candidate(s, team=world.team).id for _ in range(4)]
        with TestClient(create_app(db.settings, db=db)) as app:
            _log(app, world, ids, 12)
            _wait_for_replay(primary, replica)
            served = app.get("/api/v1/stats/outreach", headers=world.member.headers)
            assert served.status_code == 200, served.text
            assert served.headers["X-Reachout-Read-From"] == "replica"
            assert float(served.headers["X-Reachout-Replica-Lag-Seconds"]) >= 0
            assert served.json() == _primary_stats(db, world)
            # Exports read it too; the Stats page says its figures may lag.
            export = app.get("/api/v1/exports/touchpoints", headers=world.member.headers)
            assert export.status_code == 200, export.text
            assert export.headers["X-Reachout-Read-From"] == "replica"
            assert len(export.text.splitlines()) == 1 + 12
            _sign_in(app, world)
            page = app.get("/stats")
            assert page.headers["X-Reachout-Read-From"] == "replica"
            assert "may lag behind the latest touchpoints" in page.text
            assert served.json()["totals"]["contacted"] == 4

            replica.stop()
            caplog.set_level(logging.WARNING, logger="reachout.db")
            _log(app, world, ids, 3)  # writes go on
            for _ in range(2):
                fallback = app.get("/api/v1/stats/outreach", headers=world.member.headers)
                assert fallback.status_code == 200, fallback.text
                assert fallback.headers["X-Reachout-Read-From"] == "primary"
                assert "X-Reachout-Replica-Lag-Seconds" not in fallback.headers
            warnings = [r for r in caplog.records if "read replica" in r.getMessage()]
            # One warning for the run of failures, not one per read.
            assert len(warnings) == 1, [r.getMessage() for r in warnings]
            # The primary's figures, the three new touchpoints included.
            assert fallback.json() == _primary_stats(db, world)
            page = app.get("/stats")
            assert page.headers["X-Reachout-Read-From"] == "primary"
            assert "may lag" not in page.text
            assert fallback.json() != served.json()
    finally:
        db.dispose()
