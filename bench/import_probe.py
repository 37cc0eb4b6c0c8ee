"""One import, or its floor, in a process of its own: `python -m bench.import_probe MODE FILE
TEAM_ID ADMIN_ID` with REACHOUT_DATABASE_URL set prints `{"seconds": ..., "peak_mb": ...,
"base_mb": ...}`.

A process of its own so that its peak memory (the kernel's high-water mark of its resident
set) is the import's: the benchmark's own process holds a million-touchpoint seed. `base_mb`
is the same mark before the file is read, with everything imported and the database opened.

MODE `service`: `import_candidates` of the file, commit included. MODE `floor`: the least any
import of the file does: read it with the `csv` module and give the rows the import writes
(candidates, then their emails) to the driver alone (COPY / executemany) in one transaction.
"""

from __future__ import annotations

import csv
import io
import json
import resource
import sys
import time
from datetime import UTC, datetime

from reachout.config import Settings
from reachout.db import Database, write_rows
from reachout.kit.sql import reserve_ids
from reachout.models import User
from reachout.synthetic.people import CANDIDATE_COLUMNS, EMAIL_COLUMNS
from reachout.transfer.candidate_import import import_candidates


def _peak_mb() -> float:
    """The high-water mark of this process's resident memory (Linux: VmHWM, which starts
    afresh at exec; `ru_maxrss` would carry the forking parent's)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(mode: str, path: str, team_id: int, admin_id: int) -> dict[str, float]:
    db = Database(Settings())
    try:
        with db.unit_of_work(write=False) as session:
            session.get_one(User, admin_id)
        base = _peak_mb()
        data = open(path, "rb").read()  # noqa: SIM115 - read whole, as an upload is
        if mode == "service":
            started = time.perf_counter()
            with db.unit_of_work() as session:
                actor = session.get_one(User, admin_id)
                result = import_candidates(session, actor=actor, data=data)
            seconds = time.perf_counter() - started
            assert result.created == result.rows, result
        else:
            started = time.perf_counter()
            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[1:]
            stamp = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
            with db.unit_of_work() as session:
                ids = reserve_ids(session, "candidate", len(rows))
                write_rows(
                    session,
                    "candidate",
                    CANDIDATE_COLUMNS,
                    [
                        (
                            i,
                            team_id,
                            r[0],
                            r[2],
                            r[3],
                            r[3].lower().removeprefix("https://www."),
                            r[4],
                            r[5],
                            r[6],
                            stamp,
                            stamp,
                        )
                        for i, r in zip(ids, rows, strict=True)
                    ],
                )
                write_rows(
                    session,
                    "candidate_email",
                    EMAIL_COLUMNS,
                    [(i, team_id, r[1], r[1].lower(), 0) for i, r in zip(ids, rows, strict=True)],
                )
            seconds = time.perf_counter() - started
    finally:
        db.dispose()
    return {"seconds": seconds, "peak_mb": _peak_mb(), "base_mb": base}


if __name__ == "__main__":
    mode, path, team, admin = sys.argv[1:5]
    print(json.dumps(main(mode, path, int(team), int(admin))))
