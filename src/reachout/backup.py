"""Backups and restores of the database, each with its own database's tools.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies the file's pages while the
app keeps serving. The copy reads inside one read transaction, so it is the database as of
the moment the backup began (in WAL mode, writers go on meanwhile, and the backup does not
restart when they commit). A backup is one self-contained file (rollback journal mode), which
`sqlite3` opens as it is.

PostgreSQL: `pg_dump --format=custom`, whose snapshot is likewise the database as of the moment
it began, and `pg_restore --clean --if-exists --no-owner` in one transaction. The programs come
from PATH (PostgreSQL's client programs, of the server's major version or newer); they connect
with the database URL's parameters, given in their environment (PGPASSWORD, never on a
command line that `ps` shows).

A restore refuses a database in use: SQLite, when any other connection has the file open (an
exclusive lock, which it then holds until the copy is done); PostgreSQL, when any other
session is connected to the database. It refuses a database that has tables unless forced.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from reachout import migrate
from reachout.config import Settings
from reachout.db import is_sqlite_url, make_engine
from reachout.errors import ReachoutError

# Told as a copy goes: (done, total or None when unknown, what is being copied).
Progress = Callable[[int, int | None, str], None]

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# Pages a SQLite backup step copies (4 MiB at the default page size) between progress reports.
SQLITE_STEP_PAGES = 1024
# How long a restore waits for a SQLite file's other connections to let go before it refuses.
SQLITE_IN_USE_WAIT_SECONDS = 0.5
# The libpq parameters a PostgreSQL URL's query may carry, and the variable each goes in.
PG_QUERY_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
}


@dataclass(frozen=True)
class BackupDone:
    path: Path
    size: int
    revision: str | None
    seconds: float


@dataclass(frozen=True)
class RestoreDone:
    revision: str | None
    seconds: float

    @property
    def advice(self) -> str:
        """What the restored schema's revision means for this version of the code."""
        head = migrate.head_revision()
        if self.revision == head:
            return f"The schema is current (revision {head})."
        if self.revision in migrate.known_revisions():
            return (
                f"The schema is at revision {self.revision}, older than this version's {head}: "
                "run `reachout db upgrade` before serving."
            )
        return (
            f"The schema's revision {self.revision} is unknown to this version of Reachout "
            "(a newer version made the backup): run that version."
        )


def backup_database(url: str, path: Path, *, progress: Progress | None = None) -> BackupDone:
    """Copy the database of `url` to the file `path` (replaced, once the copy is complete)."""
    started = time.monotonic()
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if is_sqlite_url(url):
            revision = _sqlite_backup(url, partial, progress or _quiet)
        else:
            revision = _pg_dump(url, partial, progress or _quiet)
        partial.replace(path)
    except OSError as error:
        raise ReachoutError(f"{path}: {error.strerror or error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupDone(path, path.stat().st_size, revision, time.monotonic() - started)


def restore_database(
    url: str, path: Path, *, force: bool = False, progress: Progress | None = None
) -> RestoreDone:
    """Replace the database of `url` with the backup in `path`."""
    started = time.monotonic()
    kind = backup_kind(path)
    wanted = "SQLite" if is_sqlite_url(url) else "PostgreSQL"
    if kind != wanted:
        what = f"a {kind} backup" if kind else "not a backup (neither SQLite nor pg_dump's)"
        raise ReachoutError(f"{path} is {what}; the database is {wanted}")
    if is_sqlite_url(url):
        _sqlite_restore(url, path, force=force, progress=progress or _quiet)
    else:
        _pg_restore(url, path, force=force, progress=progress or _quiet)
    with _engine(url) as engine:
        revision = migrate.current_revision(engine)
    return RestoreDone(revision, time.monotonic() - started)


def backup_kind(path: Path) -> str | None:
    """`SQLite` or `PostgreSQL` by the file's first bytes; None for anything else."""
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as error:
        raise ReachoutError(f"{path}: {error.strerror or error}") from None
    if head == SQLITE_MAGIC:
        return "SQLite"
    if head.startswith(PG_DUMP_MAGIC):
        return "PostgreSQL"
    return None


def _quiet(_done: int, _total: int | None, _what: str) -> None:
    pass


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = make_engine(Settings(database_url=url))
    try:
        yield engine
    finally:
        engine.dispose()


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_target(url: str) -> tuple[str, bool]:
    """The database's file as sqlite3.connect takes it, and whether that is a URI."""
    parsed = make_url(url)
    database = parsed.database or ""
    if not database or database == ":memory:" or "mode=memory" in url:
        raise ReachoutError("an in-memory SQLite database has nothing to back up or restore to")
    uri = str(parsed.query.get("uri", "")).lower() in ("1", "true")
    return database, uri


def _sqlite_backup(url: str, partial: Path, progress: Progress) -> str | None:
    database, uri = _sqlite_target(url)
    if not uri and not Path(database).is_file():
        raise ReachoutError(f"database file {database} does not exist")
    try:
        source = sqlite3.connect(database, uri=uri, isolation_level=None, timeout=30)
        target = sqlite3.connect(partial, isolation_level=None)
        try:
            # The read transaction is the backup's snapshot: its steps all read as of now.
            source.execute("BEGIN")
            revision = _sqlite_revision(source)
            source.backup(target, pages=SQLITE_STEP_PAGES, progress=_pages(progress))
            source.execute("COMMIT")
            # One self-contained file, without a -wal beside it.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
            source.close()
    except sqlite3.Error as error:
        raise ReachoutError(f"database file {database}: {error}") from None
    return revision


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    has_table = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    if has_table is None:
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])


def _pages(progress: Progress) -> Callable[[int, int, int], None]:
    def told(_status: int, remaining: int, total: int) -> None:
        progress(total - remaining, total, "pages")

    return told


def _sqlite_restore(url: str, path: Path, *, force: bool, progress: Progress) -> None:
    database, uri = _sqlite_target(url)
    try:
        backup = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise ReachoutError(f"{path}: {error}") from None
    try:
        _check_sqlite_backup(backup, path)
        target = _sqlite_exclusive(database, uri=uri)
        try:
            _refuse_sqlite_data(target, database, force=force)
            backup.backup(target, pages=SQLITE_STEP_PAGES, progress=_pages(progress))
        finally:
            target.close()
    except sqlite3.Error as error:
        raise ReachoutError(f"restoring {path} to {database}: {error}") from None
    finally:
        backup.close()


def _check_sqlite_backup(backup: sqlite3.Connection, path: Path) -> None:
    try:
        check = backup.execute("PRAGMA quick_check").fetchone()
        revision = _sqlite_revision(backup)
    except sqlite3.DatabaseError as error:
        raise ReachoutError(f"{path} is not a readable SQLite database: {error}") from None
    if check is None or check[0] != "ok":
        raise ReachoutError(f"{path} is damaged (SQLite's quick_check: {check and check[0]})")
    if revision is None:
        raise ReachoutError(f"{path} is a SQLite database but not a Reachout backup")


def _sqlite_exclusive(database: str, *, uri: bool) -> sqlite3.Connection:
    """A connection to the target holding its file exclusively, or a refusal.

    In EXCLUSIVE locking mode a connection keeps its locks until it closes, and in WAL mode it
    takes them only once no other connection has the database open at all, busy or idle (an
    app server keeps idle connections in its pool): the lock is the test of "in use", and it
    keeps anyone from opening the file until the restore is done.
    """
    target = sqlite3.connect(
        database, uri=uri, isolation_level=None, timeout=SQLITE_IN_USE_WAIT_SECONDS
    )
    try:
        target.execute("PRAGMA locking_mode=EXCLUSIVE")
        target.execute("BEGIN EXCLUSIVE")
        target.execute("SELECT count(*) FROM sqlite_master").fetchone()
        target.execute("COMMIT")
    except sqlite3.OperationalError as error:
        target.close()
        if "locked" in str(error) or "busy" in str(error):
            raise ReachoutError(
                f"database file {database} is in use (another process has it open): stop the "
                "app's servers and workers first"
            ) from None
        raise
    return target


def _refuse_sqlite_data(target: sqlite3.Connection, database: str, *, force: bool) -> None:
    tables = target.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
    if tables[0] and not force:
        raise ReachoutError(
            f"database file {database} has tables already: pass --force to replace it"
        )


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_env(url: str) -> tuple[dict[str, str], str]:
    """libpq's environment for the URL's server and user (no other PG* variable of ours
    leaks in), and the database's name."""
    parsed = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    given = {
        "PGHOST": parsed.host,
        "PGPORT": None if parsed.port is None else str(parsed.port),
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
    }
    env.update({k: str(v) for k, v in given.items() if v})
    for name, value in parsed.query.items():
        if name not in PG_QUERY_ENV:
            raise ReachoutError(f"REACHOUT_DATABASE_URL's parameter {name!r} is not passed on")
        env[PG_QUERY_ENV[name]] = value if isinstance(value, str) else value[-1]
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    if not parsed.database:
        raise ReachoutError("REACHOUT_DATABASE_URL names no database")
    return env, parsed.database


def _pg_dump(url: str, partial: Path, progress: Progress) -> str | None:
    env, name = _pg_env(url)
    with _engine(url) as engine, engine.connect() as conn:
        revision = migrate.revision_on(conn)
        tables = conn.scalar(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        )
    command = ["pg_dump", "--format=custom", "--verbose", "--no-password", f"--file={partial}"]
    _run([*command, name], env, progress, total=int(tables or 0), step="dumping contents of")
    return revision


def _pg_restore(url: str, path: Path, *, force: bool, progress: Progress) -> None:
    env, name = _pg_env(url)
    tables = _check_pg_backup(path, env)
    with _engine(url) as engine, engine.connect() as conn:
        _refuse_pg_in_use(conn, name)
        present = conn.scalar(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        )
        if present and not force:
            raise ReachoutError(f"database {name} has tables already: pass --force to replace it")
    # One transaction: a failure leaves the database as it was, and a session that connects
    # meanwhile sees the old database or the new one, never half of each.
    command = [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        "--verbose",
        "--no-password",
        f"--dbname={name}",
        str(path),
    ]
    _run(command, env, progress, total=tables, step="processing data for")


def _check_pg_backup(path: Path, env: dict[str, str]) -> int:
    """The number of tables a pg_dump archive holds data of, or a refusal."""
    listing = subprocess.run(
        [_program("pg_restore"), "--list", str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if listing.returncode != 0:
        reason = listing.stderr.strip().splitlines()
        raise ReachoutError(
            f"{path} is not an archive pg_restore can read: {reason[-1] if reason else ''}"
        )
    data = [line for line in listing.stdout.splitlines() if " TABLE DATA " in line]
    if not any(" alembic_version " in line for line in data):
        raise ReachoutError(f"{path} is a pg_dump archive but not a Reachout backup")
    return len(data)


def _refuse_pg_in_use(conn: Connection, name: str) -> None:
    others = conn.execute(
        text(
            "SELECT coalesce(nullif(application_name, ''), 'a client') || ' from ' ||"
            " coalesce(host(client_addr), 'the local socket') FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )
    ).scalars()
    sessions = sorted(set(others))
    if sessions:
        raise ReachoutError(
            f"database {name} is in use (sessions of {', '.join(sessions[:3])} are connected): "
            "stop the app's servers and workers first"
        )


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ReachoutError(
            f"{name} is not on PATH: install PostgreSQL's client programs (Debian: "
            "postgresql-client), of the server's major version or newer"
        )
    return found


def _run(
    command: list[str], env: dict[str, str], progress: Progress, *, total: int, step: str
) -> None:
    """Run pg_dump or pg_restore, telling each table it reaches (its --verbose lines)."""
    program = _program(command[0])
    tail: deque[str] = deque(maxlen=5)
    done = 0
    progress(0, total or None, "connecting")
    with subprocess.Popen(
        [program, *command[1:]], env=env, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stderr is not None
        for line in process.stderr:
            line = line.strip()
            if step in line:
                done += 1
                progress(done, max(total, done) or None, line.rpartition(" ")[2].strip('"'))
            elif "error" in line.lower() or "fatal" in line.lower():
                tail.append(line)
    if process.returncode != 0:
        reason = "; ".join(tail) or f"exit status {process.returncode}"
        raise ReachoutError(f"{command[0]} failed: {reason}")
    progress(done, done or None, "done")
