"""SQLite's WAL is copied back into the database file by a thread, not by the commit that
happens to take it past 1,000 pages (kit/wal.py)."""

from __future__ import annotations

import gc
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from reachout import migrate
from reachout.config import Settings
from reachout.db import Database
from reachout.kit import wal
from reachout.kit.wal import WalCheckpointer

# Rows of about 1 KiB: 8,000 of them take the WAL well past SQLite's default of 1,000 pages.
ROWS, ROW = 8_000, "x" * 1_000


@pytest.fixture
def sqlite_file(database: Database, tmp_path: Path) -> Iterator[Database]:
    """A Database of its own on a new SQLite file, with a table to fill."""
    if database.dialect != "sqlite":
        pytest.skip("PostgreSQL checkpoints in its own background process")
    own = Database(Settings(database_url=f"sqlite:///{tmp_path / 'wal.db'}"))
    migrate.upgrade(own.engine)
    with own.unit_of_work() as session:
        session.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)"))
    assert own.checkpointer is not None
    own.checkpointer.checkpoint("TRUNCATE", timeout=5)  # the file has the table, the WAL nothing
    yield own
    own.dispose()


def _fill(db: Database) -> None:
    with db.unit_of_work() as session:
        session.execute(text("INSERT INTO filler (body) VALUES (:body)"), [{"body": ROW}] * ROWS)


def _in_file(path: Path) -> int:
    """Rows of filler in the database file itself, the WAL left out (read from a copy)."""
    copy = path.with_name("copy.db")
    copy.write_bytes(path.read_bytes())
    with sqlite3.connect(copy) as conn:
        count: int = conn.execute("SELECT count(*) FROM filler").fetchone()[0]
    copy.unlink()
    return count


def _wait_for(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_commit_leaves_the_wal_to_the_background_thread(sqlite_file: Database) -> None:
    checkpointer = sqlite_file.checkpointer
    assert checkpointer is not None
    path = Path(checkpointer.target.removeprefix("file:").split("?")[0])
    checkpointer.stop()  # nothing copies the WAL back now but a commit
    _fill(sqlite_file)
    # About 2,000 pages went to the WAL and none to the file: the commit did not checkpoint.
    assert _in_file(path) == 0
    copied = checkpointer.checkpoint()
    assert not copied.busy and copied.wal_pages > 1_000
    assert copied.copied_pages == copied.wal_pages
    assert _in_file(path) == ROWS


def test_the_thread_copies_the_wal_back_after_a_commit(sqlite_file: Database) -> None:
    checkpointer = sqlite_file.checkpointer
    assert checkpointer is not None
    _fill(sqlite_file)
    assert _wait_for(lambda: checkpointer.last is not None and checkpointer.last.wal_pages > 1_000)
    last = checkpointer.last
    assert last is not None and last.copied_pages == last.wal_pages
    path = Path(checkpointer.target.removeprefix("file:").split("?")[0])
    assert _in_file(path) == ROWS


def test_commits_checkpoint_by_themselves_only_past_the_backstop(sqlite_file: Database) -> None:
    with sqlite_file.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == wal.BACKSTOP_PAGES


def test_a_deleted_file_is_not_made_again(tmp_path: Path, sqlite_file: Database) -> None:
    path = tmp_path / "gone.db"
    sqlite3.connect(path).close()
    checkpointer = WalCheckpointer(str(path), sqlite_file.engine)
    path.unlink()
    with pytest.raises(sqlite3.OperationalError):
        checkpointer.checkpoint()
    assert not path.exists()
    checkpointer._round()  # what the thread does: it counts the failure and goes on
    assert checkpointer.failures == 1


def test_the_thread_ends_with_its_database(tmp_path: Path, sqlite_file: Database) -> None:
    checkpointer = sqlite_file.checkpointer
    assert checkpointer is not None
    sqlite_file.dispose()
    assert not checkpointer._thread.is_alive()
    # A Database dropped without dispose(): its thread ends once the Database is collected.
    dropped = Database(Settings(database_url=f"sqlite:///{tmp_path / 'dropped.db'}"))
    assert dropped.checkpointer is not None
    thread, wake = dropped.checkpointer._thread, dropped.checkpointer._wake
    assert thread.is_alive()
    del dropped
    gc.collect()
    wake.set()
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_a_database_in_memory_has_no_thread(sqlite_file: Database) -> None:
    memory = Database(Settings(database_url="sqlite://"))
    assert memory.checkpointer is None
    memory.dispose()
