"""Engine and session set-up for SQLite and PostgreSQL."""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

from reachout.config import Settings
from reachout.kit.sql import sqlite_local_day
from reachout.kit.wal import BACKSTOP_PRAGMA, WalCheckpointer


def make_engine(settings: Settings, *, sqlite_writer: bool = False) -> Engine:
    """The database's engine; `sqlite_writer`: the one connection a process writes a SQLite
    file through (see Database)."""
    url = settings.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        pool: dict[str, Any] = {}
        if sqlite_writer:
            timeout = settings.sqlite_busy_timeout_ms / 1000
            pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": timeout}
        engine = create_engine(url, connect_args={"check_same_thread": False}, **pool)
        _configure_sqlite(engine, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        _end_open_transactions(engine)
        return engine
    # No overflow: a connection opened past the pool's size is closed as soon as it is given
    # back, so a server under steady load opened and closed one every ten requests or so (a
    # new backend process each time: 1 to 2 ms more database CPU per request in the load
    # benchmark). Requests beyond pool_size wait for a connection instead; on a few cores that
    # is no slower.
    engine = create_engine(url, pool_size=settings.pool_size, max_overflow=0)
    _end_open_transactions(engine)
    _ping_when_in_doubt(engine)
    return engine


# A pooled connection idle for longer than this is pinged before use: a connection can die
# quietly (a firewall or the network drops it). pgbouncer's server_check_delay, 30 s.
PING_AFTER_IDLE_SECONDS = 30.0


def _ping_when_in_doubt(engine: Engine) -> None:
    """Ping a pooled connection before handing it out only when it may be dead: it was idle
    long enough to be dropped unseen, or its socket has something to read (an idle connection
    has nothing to read unless the server said goodbye: a restart or a terminated backend).

    `pool_pre_ping` pings on every checkout, a round trip per request: under load it cost a
    tenth of a single log's CPU. A connection that fails its ping is replaced (SQLAlchemy's
    pool retries the checkout on DisconnectionError).
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None:
            return  # Just connected.
        if time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS and not _readable(dbapi_conn):
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as error:
            raise exc.DisconnectionError(f"a pooled connection failed its ping: {error}") from error


def _readable(dbapi_conn: Any) -> bool:
    try:
        readable, _, _ = select.select([dbapi_conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True  # Closed: let the ping find out.
    return bool(readable)


def _end_open_transactions(engine: Engine) -> None:
    """A connection goes back to the pool with no transaction open, even when its COMMIT failed
    part-way (SQLAlchemy then skips its reset): the next request would otherwise inherit the
    transaction, and on SQLite the file's write lock with it."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: Any, _record: Any) -> None:
        if dbapi_conn is None:
            return
        if engine.dialect.name == "sqlite":
            if dbapi_conn.in_transaction:
                dbapi_conn.execute("ROLLBACK")
        elif dbapi_conn.info.transaction_status != TransactionStatus.IDLE:
            dbapi_conn.rollback()


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        # The default page cache is 2 MB; stats scans of a period ran 1.5-2x faster with more.
        cur.execute("PRAGMA cache_size=-32768")
        cur.execute("PRAGMA mmap_size=134217728")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()
        dbapi_conn.create_function("reachout_local_day", 2, sqlite_local_day, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes SQLite's write lock up front (BEGIN IMMEDIATE). Otherwise a
        # transaction that read first could not upgrade to a writer once another process has
        # committed (SQLITE_BUSY_SNAPSHOT), and two auto designations could be decided on the
        # same stale snapshot. Holding the lock also serialises writers, which is what makes the
        # Auto rule race-free on SQLite (PostgreSQL uses row locks instead: kit/sql.py).
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """The engine plus session factories for reading and for writing."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings)
        self._writer: Engine | None = None
        self.checkpointer: WalCheckpointer | None = None
        write_bind = self.engine
        if self.engine.dialect.name == "sqlite":
            if _is_file(self.engine):
                # SQLite has one writer at a time. Writers of one process queue for a single
                # connection, in order, instead of each polling the file's lock through the
                # busy handler, which hands it to whoever polls at the right moment: under 32
                # concurrent clients the median request took 60 ms and the slowest 10 s.
                self._writer = make_engine(settings, sqlite_writer=True)
                write_bind = self._writer
                self.checkpointer = _checkpoint_in_background(self.engine, self._writer)
            write_bind = write_bind.execution_options(sqlite_begin="IMMEDIATE")
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(write_bind, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def engines(self) -> list[Engine]:
        """Every engine the sessions use (SQLite files: a second one, for writing)."""
        return [self.engine] if self._writer is None else [self.engine, self._writer]

    def new_session(self, *, write: bool = True) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error."""
        session = self.new_session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        for engine in self.engines:
            engine.dispose()


def _is_file(engine: Engine) -> bool:
    """A SQLite database in a file (a second engine on `:memory:` would be another database)."""
    database = engine.url.database
    return bool(database) and database != ":memory:" and "mode=memory" not in str(engine.url)


def _checkpoint_in_background(reader: Engine, writer: Engine) -> WalCheckpointer:
    """Start copying the WAL back into the file from a thread (kit/wal.py), with commits
    checkpointing only past the backstop."""
    for engine in (reader, writer):

        @event.listens_for(engine, "connect")
        def _backstop(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.execute(BACKSTOP_PRAGMA)

    url = writer.url
    checkpointer = WalCheckpointer(
        str(url.database), writer, uri=str(url.query.get("uri", "")).lower() in ("1", "true")
    )
    checkpointer.start()
    return checkpointer
