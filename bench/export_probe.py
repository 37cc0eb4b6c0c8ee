"""One touchpoint export, or its floor, in a process of its own: `python -m bench.export_probe
MODE FORMAT TEAM_ID [FROM]` with REACHOUT_DATABASE_URL set prints `{"seconds": ..., "rows": ...,
"mb": ..., "base_mb": ..., "peak_mb": ..., "peak_anon_mb": ...}`.

A process of its own so that its peak memory is the export's: the benchmark's own process
holds a million-touchpoint seed. `peak_mb` is the kernel's high-water mark of the resident set
(VmHWM), started again from the resident set (`base_mb`) once everything is imported and the
database opened. Not `ru_maxrss`: Linux carries it over fork and exec, so a child starts with
the benchmark's own peak, and any peak of its own below that one goes unseen. The resident set
also counts the database file's pages that SQLite maps (`mmap_size`), which are the kernel's
page cache rather than the process's; `peak_anon_mb` is the largest private (anonymous)
resident memory seen between chunks: Python's objects, SQLite's page cache, the driver's rows.

MODE `service`: `touchpoints_export(...).chunks()` of the team (its touchpoints on FROM and
after, if given), each chunk encoded as UTF-8 as an HTTP answer or a file is, then dropped.
MODE `floor`: the driver alone reading the same rows: the export's own SELECT run on the
DB-API connection and iterated, nothing done with the rows (PostgreSQL: through a named
cursor fetching as many rows at a time as the export, for the same reason; SQLite's cursor
steps through the table anyway).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from bench.server import peak_rss_kib, reset_peak_rss, rss_kib
from reachout.config import Settings
from reachout.db import Database
from reachout.models import Team
from reachout.transfer.export_stream import FETCH_ROWS, Rows
from reachout.transfer.exports import ExportTeam, touchpoints_export

STATUS = Path("/proc/self/status")


class Memory:
    """This process's memory: the resident set's peak, and the private part's, sampled."""

    def __init__(self) -> None:
        if not reset_peak_rss(os.getpid()):
            raise RuntimeError("cannot reset the peak memory (/proc/self/clear_refs)")
        self.base_kib = rss_kib(os.getpid())
        self.anon_kib = 0
        self.sample()

    def sample(self) -> None:
        for line in STATUS.read_text().splitlines():
            if line.startswith("RssAnon:"):
                self.anon_kib = max(self.anon_kib, int(line.split()[1]))
                return

    def figures(self) -> dict[str, float]:
        return {
            "base_mb": self.base_kib / 1024,
            "peak_mb": peak_rss_kib(os.getpid()) / 1024,
            "peak_anon_mb": self.anon_kib / 1024,
        }


def main(mode: str, export_format: str, team_id: int, first: str | None) -> dict[str, float]:
    db = Database(Settings())
    try:
        with db.unit_of_work(write=False) as session:
            team = ExportTeam.of(session.get_one(Team, team_id))
        export = touchpoints_export(db, team=team, format=export_format, from_=first)
        memory = Memory()
        started = time.perf_counter()
        if mode == "service":
            size = lines = 0
            for chunk in export.chunks():
                size += len(chunk.encode("utf-8"))
                lines += chunk.count("\n")
                memory.sample()
            rows = lines - (export_format != "jsonl")  # the CSV's header line
        else:
            size, rows = 0, _floor(db, export.statement, memory)
        seconds = time.perf_counter() - started
        used = memory.figures()
    finally:
        db.dispose()
    return {"seconds": seconds, "rows": rows, "mb": size / 1e6, **used}


def _floor(db: Database, statement: Rows, memory: Memory) -> int:
    engine = db.engine
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    rows = 0
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        if engine.dialect.name == "postgresql":
            cursor = driver.cursor(name="export_floor")
            cursor.itersize = FETCH_ROWS
            cursor.execute(sql)
        else:
            cursor = driver.cursor()
            cursor.execute(sql)
        try:
            for _ in cursor:
                rows += 1
                if rows % FETCH_ROWS == 0:
                    memory.sample()
        finally:
            cursor.close()
        connection.rollback()
    return rows


if __name__ == "__main__":
    mode, export_format, team = sys.argv[1:4]
    first = sys.argv[4] if len(sys.argv) > 4 else None
    print(json.dumps(main(mode, export_format, int(team), first)))
