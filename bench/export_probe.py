"""One touchpoint export, or its floor, in a process of its own: `python -m bench.export_probe
MODE FORMAT TEAM_ID [FROM]` with REACHOUT_DATABASE_URL set prints `{"seconds": ..., "rows": ...,
"mb": ..., "peak_mb": ..., "base_mb": ...}`.

A process of its own so that its peak memory (the kernel's high-water mark of its resident
set) is the export's: the benchmark's own process holds a million-touchpoint seed. `base_mb`
is the same mark before the export starts, with everything imported and the database opened.

MODE `service`: `touchpoints_export(...).chunks()` of the team (its touchpoints on FROM and
after, if given), each chunk encoded as UTF-8 as an HTTP answer or a file is, then dropped.
MODE `floor`: the driver alone reading the same rows: the export's own SELECT run on the
DB-API connection and iterated, nothing done with the rows (PostgreSQL: through a named
cursor fetching as many rows at a time as the export, for the same reason; SQLite's cursor
steps through the table anyway).
"""

from __future__ import annotations

import json
import resource
import sys
import time

from reachout.config import Settings
from reachout.db import Database
from reachout.models import Team
from reachout.transfer.exports import FETCH_ROWS, ExportTeam, Rows, touchpoints_export


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(mode: str, export_format: str, team_id: int, first: str | None) -> dict[str, float]:
    db = Database(Settings())
    try:
        with db.unit_of_work(write=False) as session:
            team = ExportTeam.of(session.get_one(Team, team_id))
        export = touchpoints_export(db, team=team, format=export_format, from_=first)
        base = _peak_mb()
        started = time.perf_counter()
        if mode == "service":
            size = lines = 0
            for chunk in export.chunks():
                size += len(chunk.encode("utf-8"))
                lines += chunk.count("\n")
            rows = lines - (export_format != "jsonl")  # the CSV's header line
        else:
            size, rows = 0, _floor(db, export.statement)
        seconds = time.perf_counter() - started
    finally:
        db.dispose()
    return {
        "seconds": seconds,
        "rows": rows,
        "mb": size / 1e6,
        "peak_mb": _peak_mb(),
        "base_mb": base,
    }


def _floor(db: Database, statement: Rows) -> int:
    engine = db.engine
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    rows = 0
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        if engine.dialect.name == "postgresql":
            with driver.cursor(name="export_floor") as cursor:
                cursor.itersize = FETCH_ROWS
                cursor.execute(sql)
                for _ in cursor:
                    rows += 1
        else:
            cursor = driver.cursor()
            try:
                for _ in cursor.execute(sql):
                    rows += 1
            finally:
                cursor.close()
        connection.rollback()
    return rows


if __name__ == "__main__":
    mode, export_format, team = sys.argv[1:4]
    first = sys.argv[4] if len(sys.argv) > 4 else None
    print(json.dumps(main(mode, export_format, int(team), first)))
