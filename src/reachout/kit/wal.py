"""SQLite's write-ahead log, copied back into the database file in the background.

SQLite appends every commit to the WAL file; a checkpoint copies the WAL's pages back into the
database file so the WAL can start over. By default the commit that takes the WAL past 1,000
pages runs that checkpoint itself, inside the request that committed, which then waits for
the copy (figures: docs/performance.md). Here a thread per process checkpoints shortly after
writes instead, off every request's path. The commit-time checkpoint stays as a backstop at
BACKSTOP_PAGES, should this thread fall behind or stop.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import weakref
from typing import Any, NamedTuple
from urllib.parse import quote

from sqlalchemy import Engine, event

log = logging.getLogger("reachout.wal")

# A commit whose WAL reaches this many pages (4 KiB each: 40 MB) still checkpoints itself.
BACKSTOP_PAGES = 10_000
BACKSTOP_PRAGMA = f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}"
# At most one checkpoint per this many seconds: each one syncs the database file.
MIN_INTERVAL_SECONDS = 0.5
# With no write to wake it, the thread still looks this often (another process's writes).
IDLE_SECONDS = 5.0
MODES = ("PASSIVE", "FULL", "RESTART", "TRUNCATE")


class Checkpoint(NamedTuple):
    """What `PRAGMA wal_checkpoint` answered."""

    busy: bool  # another checkpoint was running (or a lock was held): try again later
    wal_pages: int  # pages in the WAL
    copied_pages: int  # of which copied back into the database file


class WalCheckpointer:
    """Checkpoints one SQLite file's WAL from a daemon thread: woken by each commit through
    `writer` (the process's write engine), at most once per `min_interval` seconds, and every
    `idle` seconds otherwise. PASSIVE: it waits for no reader or writer, so a request never
    waits for it; a page a reader still needs is left for the next round.

    The thread holds the checkpointer weakly: a Database dropped without `dispose()` (a test,
    say) does not leave a thread behind for good."""

    def __init__(
        self,
        path: str,
        writer: Engine,
        *,
        uri: bool = False,
        min_interval: float = MIN_INTERVAL_SECONDS,
        idle: float = IDLE_SECONDS,
    ) -> None:
        # mode=rw: a file deleted meanwhile is an error, not a new empty database.
        if not uri:
            path = f"file:{quote(path)}"
        self.target = f"{path}{'&' if '?' in path else '?'}mode=rw"
        self.min_interval = min_interval
        self.idle = idle
        self.last: Checkpoint | None = None
        self.failures = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=_run,
            args=(weakref.ref(self), self._wake, self._stop),
            name="reachout-wal",
            daemon=True,
        )
        event.listen(writer, "commit", self._on_commit)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()

    def checkpoint(self, mode: str = "PASSIVE", *, timeout: float = 0) -> Checkpoint:
        """One checkpoint (PASSIVE, or FULL, RESTART, TRUNCATE, which wait for the writer and
        the readers up to `timeout` seconds), through a connection of its own."""
        if mode not in MODES:
            raise ValueError(f"unknown checkpoint mode {mode!r}")
        connection = sqlite3.connect(self.target, uri=True, timeout=timeout, isolation_level=None)
        try:
            row = connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        finally:
            connection.close()
        return Checkpoint(bool(row[0]), row[1], row[2])

    def _on_commit(self, _conn: Any) -> None:
        self._wake.set()

    def _round(self) -> None:
        try:
            self.last = self.checkpoint()
        except sqlite3.Error as error:
            # The backstop still checkpoints at commit time; say so once in a while.
            self.failures += 1
            if self.failures == 1 or self.failures % 100 == 0:
                log.warning("background WAL checkpoint of %s failed: %s", self.target, error)


def _run(ref: weakref.ref[WalCheckpointer], wake: threading.Event, stop: threading.Event) -> None:
    while not stop.is_set():
        checkpointer = ref()
        if checkpointer is None:
            return
        idle, min_interval = checkpointer.idle, checkpointer.min_interval
        del checkpointer  # held only while it works
        wake.wait(idle)
        # The pause lets a burst of commits end before copying, and bounds the rate.
        if stop.wait(min_interval):
            return
        wake.clear()
        checkpointer = ref()
        if checkpointer is None:
            return
        checkpointer._round()
        del checkpointer
