"""Every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from REACHOUT_TEST_POSTGRES_URL (`.ci/postgres start` prints it). Without it
the PostgreSQL half fails rather than skips, so CI can never pass on SQLite alone; set
REACHOUT_TEST_DATABASES=sqlite for a quick local run on SQLite only.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from playwright.sync_api import Playwright, sync_playwright
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from reachout import migrate
from reachout.app import create_app
from reachout.config import Settings
from reachout.db import Database
from reachout.kit import security
from reachout.kit import time as clock
from reachout.models import Base
from tests.factories import World, make_world
from tests.sequences.conftest import Clock, SmtpSink, free_port

DATABASES = [
    d.strip() for d in os.environ.get("REACHOUT_TEST_DATABASES", "sqlite,postgresql").split(",")
]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_url() -> tuple[str, str]:
    url = os.environ.get("REACHOUT_TEST_POSTGRES_URL")
    if not url:
        pytest.fail(
            'REACHOUT_TEST_POSTGRES_URL is not set: start one with `eval "$(bash .ci/postgres '
            'start)"` (or set REACHOUT_TEST_DATABASES=sqlite to run on SQLite only)'
        )
    admin = make_url(url)
    # One database per test process, so parallel runs (xdist workers, or two people) never meet.
    name = f"reachout_test_{_worker()}_{os.getpid()}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres(name: str) -> None:
    engine = create_engine(
        make_url(os.environ["REACHOUT_TEST_POSTGRES_URL"]), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _one_hash_per_password() -> Iterator[None]:
    """Each test's world makes users with the same few passwords, and an argon2 hash at full
    strength costs a tenth of a second: each password is hashed once per test process. The
    hashes are real ones (a salt shared by users with the same password), and verification
    runs for real."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(security, "hash_password", functools.cache(security.hash_password))
        yield


@pytest.fixture(scope="session", params=DATABASES)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A migrated database of each kind, shared by the tests of one worker."""
    pg_name = None
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "reachout.db"
        url = f"sqlite:///{path}"
    else:
        url, pg_name = _postgres_url()
    db = Database(Settings(database_url=url, pool_size=30))
    migrate.upgrade(db.engine)
    yield db
    db.dispose()
    if pg_name:
        _drop_postgres(pg_name)


def _wipe(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    # A request the browser sent just before the test ended may still be writing: TRUNCATE then
    # waits for it, or PostgreSQL picks one of the two as a deadlock victim. Retrying after the
    # other has finished is the fix; it never takes more than a couple of tries.
    for attempt in range(5):
        try:
            with db.engine.begin() as conn:
                if db.dialect == "postgresql":
                    names = ", ".join(f'"{t}"' for t in tables)
                    conn.execute(text(f"TRUNCATE {names} CASCADE"))
                else:
                    for t in tables:
                        conn.execute(text(f'DELETE FROM "{t}"'))
            return
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    """The database, emptied after the test."""
    yield database
    _wipe(database)


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    s = db.new_session(write=True)
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def world(db: Database) -> World:
    """Team A (an admin and a member) and team B (one user), each with an API token."""
    with db.unit_of_work() as s:
        return make_world(s)


class LiveServer:
    def __init__(self, db: Database) -> None:
        self.db = db
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        app = create_app(db.settings, db=db)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(database: Database) -> Iterator[LiveServer]:
    """The app served over real HTTP on loopback, on the same database as the tests."""
    server = LiveServer(database)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright driver for every browser test of the process (tests/web, tests/extension):
    a second sync driver cannot start while one runs."""
    with sync_playwright() as p:
        yield p


@pytest.fixture
def client(live_server: LiveServer, db: Database) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url + "/api/v1", timeout=30) as c:
        yield c


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on loopback that keeps every mail it is sent (`.received`, `.to()`)."""
    sink = SmtpSink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The app's one clock (kit.time.now), set by the test; the live server reads it too."""
    fake = Clock(datetime(2026, 3, 2, 14, 0, tzinfo=clock.UTC))
    monkeypatch.setattr(clock, "now", fake)
    return fake
