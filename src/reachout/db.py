"""Engine and session set-up for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, ForeignKeyConstraint, Index, Table, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import AddConstraint, DropConstraint

from reachout.config import Settings
from reachout.kit.sql import sqlite_local_day
from reachout.kit.wal import BACKSTOP_PRAGMA, WalCheckpointer

log = logging.getLogger("reachout.db")


def make_engine(settings: Settings, *, sqlite_writer: bool = False) -> Engine:
    """The database's engine; `sqlite_writer`: the one connection a process writes a SQLite
    file through (see Database)."""
    url = _with_driver(settings.database_url)
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
    # back, so a server under steady load keeps opening and closing them, each one a new
    # PostgreSQL backend process to start. Requests beyond pool_size wait for a connection
    # instead; on a few cores that is no slower.
    engine = create_engine(url, pool_size=settings.pool_size, max_overflow=0)
    _end_open_transactions(engine)
    _ping_when_in_doubt(engine)
    return engine


def is_sqlite_url(url: str) -> bool:
    """Whether a database URL is SQLite's: for what each database does with its own tools
    (backups: reachout/backup.py), where the code is per database through and through."""
    return make_url(url).get_backend_name() == "sqlite"


def _with_driver(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


# A pooled connection idle for longer than this is pinged before use: a connection can die
# quietly (a firewall or the network drops it). pgbouncer's server_check_delay, 30 s.
PING_AFTER_IDLE_SECONDS = 30.0


def _ping_when_in_doubt(engine: Engine) -> None:
    """Ping a pooled connection before handing it out only when it may be dead: it was idle
    long enough to be dropped unseen, or its socket has something to read (an idle connection
    has nothing to read unless the server said goodbye: a restart or a terminated backend).

    `pool_pre_ping` pings on every checkout: a round trip added to every request, for
    connections that are nearly always alive. A connection that fails its ping is replaced
    (SQLAlchemy's pool retries the checkout on DisconnectionError).
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
        # 32 MiB of page cache, not the default 2 MB: a stats scan of a period reads more pages
        # than the default holds.
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
                # busy handler, which hands it to whoever polls at the right moment, so under
                # concurrency a writer can wait many times the median. A queue is fair: the
                # slowest wait stays within a small multiple of the median.
                self._writer = make_engine(settings, sqlite_writer=True)
                write_bind = self._writer
                self.checkpointer = _checkpoint_in_background(self.engine, self._writer)
            write_bind = write_bind.execution_options(sqlite_begin="IMMEDIATE")
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(write_bind, expire_on_commit=False)
        self.replica: Replica | None = None
        if settings.read_database_url:
            self.replica = Replica(_replica_engine(settings, settings.read_database_url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def engines(self) -> list[Engine]:
        """Every engine the sessions use (SQLite files: a second one, for writing)."""
        return [self.engine] if self._writer is None else [self.engine, self._writer]

    def new_session(self, *, write: bool = True) -> Session:
        return (self._write if write else self._read)()

    def replica_session(self) -> Session:
        """A read session for Outreach Stats and exports: on the read replica when one is set
        and answers, otherwise on the primary. `read_headers(session)` says which.

        Only reads that may lag go here: a page that shows what its user just wrote reads
        the primary (new_session), as the replica may not have replayed it yet.
        """
        if self.replica is not None:
            session = self.replica.session()
            if session is not None:
                return session
        session = self._read()
        session.info[READ_FROM] = "primary"
        return session

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
        if self.replica is not None:
            self.replica.engine.dispose()


# Where a replica_session reads (`replica` or `primary`), and the replica's delay, in seconds:
# the API's stats and exports send both as headers.
READ_FROM = "X-Reachout-Read-From"
REPLICA_LAG = "X-Reachout-Replica-Lag-Seconds"
# The two headers, as OpenAPI describes them.
READ_HEADERS_DOC = {
    READ_FROM: {
        "description": "`replica`: read from the read replica, which may lag behind the latest "
        "writes; `primary`: read from the database itself",
        "schema": {"type": "string", "enum": ["replica", "primary"]},
    },
    REPLICA_LAG: {
        "description": "How many seconds the replica was behind the primary, when read from it",
        "schema": {"type": "number"},
    },
}
# After the replica fails to answer, reads go to the primary for this long before it is tried
# again: a replica that is down costs one failed connection per cool-down, not one per read.
REPLICA_RETRY_SECONDS = 5.0
# How long connecting to the replica may take before the read goes to the primary instead.
REPLICA_CONNECT_TIMEOUT_SECONDS = 2
# Zero when the replica has replayed all it received (an idle primary sends nothing, so the
# time since the last replayed transaction would grow though nothing is missing); NULL on a
# server that is not a standby.
_REPLICA_LAG_SQL = text(
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
)


class Replica:
    """A PostgreSQL streaming replica: sessions on it while it answers; after a failure, None
    (read the primary) for REPLICA_RETRY_SECONDS, with one warning per run of failures."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._lock = threading.Lock()
        self._retry_at = 0.0
        self._failing = False

    def session(self) -> Session | None:
        if time.monotonic() < self._retry_at:
            return None
        session = self._sessions()
        try:
            # Connects, and begins the read's transaction: the delay is the snapshot's.
            lag = session.scalar(_REPLICA_LAG_SQL)
        except exc.SQLAlchemyError as error:
            session.close()
            self._failed(error)
            return None
        self._answered()
        session.info[READ_FROM] = "replica"
        session.info[REPLICA_LAG] = None if lag is None else float(lag)
        return session

    def _failed(self, error: Exception) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + REPLICA_RETRY_SECONDS
            first, self._failing = not self._failing, True
        if first:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()
            log.warning(
                "read replica %s is not answering, stats and exports read the primary "
                "(retried every %.0f s): %s",
                self.engine.url.render_as_string(hide_password=True),
                REPLICA_RETRY_SECONDS,
                reason[0] if reason else type(error).__name__,
            )

    def _answered(self) -> None:
        with self._lock:
            back, self._failing = self._failing, False
        if back:
            log.info("read replica answers again: stats and exports read it")


def read_from(session: Session) -> str:
    """Where a replica_session reads: `replica` or `primary`."""
    return str(session.info.get(READ_FROM, "primary"))


def replica_lag(session: Session) -> float | None:
    """How many seconds the replica a session reads was behind the primary (None: unknown,
    or the session reads the primary)."""
    lag = session.info.get(REPLICA_LAG)
    return None if lag is None else float(lag)


def read_headers(session: Session) -> dict[str, str]:
    """The response headers that say where a replica_session read (READ_FROM), and the
    replica's delay when known (REPLICA_LAG)."""
    headers = {READ_FROM: read_from(session)}
    lag = replica_lag(session)
    if lag is not None:
        headers[REPLICA_LAG] = f"{lag:.3f}"
    return headers


def _replica_engine(settings: Settings, url: str) -> Engine:
    engine = create_engine(
        _with_driver(url),
        pool_size=settings.pool_size,
        max_overflow=0,
        connect_args={"connect_timeout": REPLICA_CONNECT_TIMEOUT_SECONDS},
    )
    _end_open_transactions(engine)
    _ping_when_in_doubt(engine)
    return engine


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


# --- Bulk loading ---------------------------------------------------------------------------
# Seeding and the benchmark's floor write many rows with the driver alone. Each database has
# its own fastest way to take them; these helpers are the only place that knows which.


def write_rows(
    session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Append rows to `table` in the order given (ids, when not given, follow it), on the
    session's own connection and inside its transaction.

    PostgreSQL: `COPY ... FROM STDIN`; SQLite: `executemany` of one prepared INSERT. Values go
    as the database stores them (timestamps as `YYYY-MM-DD HH:MM:SS.ffffff` text, naive UTC),
    so the driver converts nothing per row.
    """
    if not rows:
        return
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None  # a live session's connection always has one
    names = ", ".join(f'"{column}"' for column in columns)
    if connection.dialect.name == "postgresql":
        with (
            driver.cursor() as cursor,
            cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    cursor = driver.cursor()
    try:
        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
    finally:
        cursor.close()


@contextmanager
def indexes_built_after(session: Session, tables: Sequence[Table]) -> Iterator[None]:
    """Load `tables` without their secondary indexes and, on PostgreSQL, without their foreign
    keys, then build those again from the tables' definitions (as pg_restore does).

    One sort per index instead of a B-tree insert per row and index, and one join per foreign
    key instead of a lookup per row. SQLite keeps its foreign keys: it cannot drop a constraint
    short of rebuilding the table. The transaction holds the tables exclusively meanwhile, so
    this is for loading, not for a database in use. Nothing is rebuilt on an error: the
    rollback (DDL is transactional on both databases) restores the tables as they were.
    """
    connection = session.connection()
    indexes = [index for table in tables for index in sorted(table.indexes, key=_index_name)]
    foreign_keys: list[ForeignKeyConstraint] = []
    if connection.dialect.name == "postgresql":
        foreign_keys = [
            fk for table in tables for fk in sorted(table.foreign_key_constraints, key=_fk_key)
        ]
    for fk in foreign_keys:
        connection.execute(DropConstraint(fk))
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)
    for fk in foreign_keys:
        connection.execute(AddConstraint(fk))


def _index_name(index: Index) -> str:
    return str(index.name)


def _fk_key(fk: ForeignKeyConstraint) -> list[str]:
    return list(fk.column_keys)


# SQLite's page cache while loading (KiB, negated as the pragma takes it): a table of a
# million rows and its index sorts fit, instead of going back and forth to the file.
LOADING_CACHE_SIZE = -256 * 1024


@contextmanager
def larger_page_cache(session: Session) -> Iterator[None]:
    """SQLite: this connection's page cache at LOADING_CACHE_SIZE meanwhile, then as it was.
    PostgreSQL: nothing (its buffers are the server's, shared by every connection)."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = int(session.scalar(text("PRAGMA cache_size")) or 0)
    session.execute(text(f"PRAGMA cache_size = {LOADING_CACHE_SIZE}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {before}"))


def refresh_planner_statistics(session: Session, tables: Sequence[str]) -> None:
    """PostgreSQL: ANALYZE `tables`, so that the next queries are planned on what was just
    loaded rather than on the statistics of before (autovacuum would only catch up later).
    SQLite: nothing; it keeps statistics only where ANALYZE has run, and the app never runs
    it, so loaded data is planned as data written in use would be."""
    if session.get_bind().dialect.name != "postgresql" or not tables:
        return
    session.execute(text("ANALYZE " + ", ".join(f'"{table}"' for table in tables)))
