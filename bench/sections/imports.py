"""Candidate import (SPEC §7): 100,000 rows of CSV through the service, beside the driver's
floor for the same rows, each in a process of its own for its peak memory."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, select, update

from bench.config import Config
from bench.targets import Target
from bench.timing import Timings
from reachout.kit.time import now
from reachout.models import Candidate, CandidateEmail

TITLE = "Candidate import"
ROWS = 100_000
RUNS = 3
HEADER = "Name,Email,Phone,LinkedIn URL,Title,Company,Location\n"


@dataclass
class ImportFigures:
    rows: int = ROWS
    service: Timings = field(default_factory=lambda: Timings((0.0,)))
    floor: Timings = field(default_factory=lambda: Timings((0.0,)))
    peak_mb: list[float] = field(default_factory=list)
    floor_peak_mb: list[float] = field(default_factory=list)
    base_mb: float = 0.0
    file_mb: float = 0.0


def people_csv(path: Path, rows: int) -> None:
    """`rows` people no team has yet, every field filled (a spreadsheet's worth of them)."""
    rng = random.Random(7)
    titles = ["Staff Engineer", "Data Scientist", "Product Designer", "SRE", "Engineering Manager"]
    towns = ["Lisbon", "Berlin", "Austin, TX", "São Paulo", "Toronto"]
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(rows):
            slug = f"import-bench-{i}"
            out.write(
                f"Person {i} Importé,{slug}@import.example,+1 555 {i % 10_000:04d},"
                f"https://www.linkedin.com/in/{slug},{rng.choice(titles)},"
                f'Company {rng.randrange(5000)},"{rng.choice(towns)}"\n'
            )


def _probe(target: Target, mode: str, path: Path) -> dict[str, float]:
    env = {**os.environ, "REACHOUT_DATABASE_URL": target.db.settings.database_url}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.import_probe",
            mode,
            str(path),
            str(target.team_id),
            str(target.admin_id),
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _remove_imported(target: Target, last_id: int) -> None:
    """The imported people deleted as the app deletes a candidate (kept, their emails and
    LinkedIn key released), so the next run creates them again. Not removed outright: each
    deleted candidate would cost a scan of the touchpoints for its foreign key (their index
    covers live rows only, which a foreign key check cannot use)."""
    with target.db.unit_of_work() as session:
        session.execute(delete(CandidateEmail).where(CandidateEmail.candidate_id > last_id))
        session.execute(
            update(Candidate)
            .where(Candidate.id > last_id, Candidate.deleted_at.is_(None))
            .values(deleted_at=now(), linkedin_key=None)
        )
    target.settle()


def measure(target: Target, config: Config) -> ImportFigures:
    rows = min(ROWS, config.candidates)
    path = target.workdir / f"import-{rows}.csv"
    people_csv(path, rows)
    figures = ImportFigures(rows=rows, file_mb=path.stat().st_size / 1e6)
    service, floor = [], []
    for _ in range(RUNS):
        with target.db.unit_of_work(write=False) as session:
            last_id = int(session.scalar(select(func.max(Candidate.id))) or 0)
        target.settle()
        got = _probe(target, "service", path)
        service.append(got["seconds"])
        figures.peak_mb.append(got["peak_mb"])
        figures.base_mb = got["base_mb"]
        _remove_imported(target, last_id)
        last_id += rows
        got = _probe(target, "floor", path)
        floor.append(got["seconds"])
        figures.floor_peak_mb.append(got["peak_mb"])
        _remove_imported(target, last_id)
    figures.service, figures.floor = Timings(tuple(service)), Timings(tuple(floor))
    return figures


def render(figures: dict[str, ImportFigures], config: Config) -> str:
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    any_f = next(iter(figures.values()))
    lines = [
        f"SPEC §7: one import MUST handle 100,000 rows; target within 3x the driver's floor and "
        f"under 500 MB. `import_candidates` of a {any_f.rows:,}-row CSV ({any_f.file_mb:.1f} MB, "
        "every field filled, nobody the team has yet) into the seeded team, commit included, in "
        "a process of its own; beside it, the floor: the file read with the `csv` module and the "
        "same candidate and email rows given to the driver alone (COPY / executemany) in one "
        "transaction. Peak memory is the process's resident high-water mark (VmHWM); the "
        "process holds "
        f"about {any_f.base_mb:.0f} MB before it reads the file. {RUNS} runs each; the rows are "
        "removed after each, untimed.",
        "",
        "| database | import (s) median / max | driver floor (s) | import / floor | peak MB "
        "(import) | peak MB (floor) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, f in figures.items():
        lines.append(
            f"| {names[key]} | {f.service.median_ms / 1000:.2f} / {f.service.max_ms / 1000:.2f} "
            f"| {f.floor.median_ms / 1000:.2f} | {f.service.median_ms / f.floor.median_ms:.1f} x "
            f"| {max(f.peak_mb):.0f} | {max(f.floor_peak_mb):.0f} |"
        )
    return "\n".join(lines)
