"""Touchpoint export (SPEC §7): the seeded team's history streamed in Gem's format and as JSONL,
through the service and over HTTP, beside the driver's floor for the same rows, with the peak
memory at two row counts: a streamed export's peak does not grow with the rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import func, select

from bench.config import Config
from bench.server import api_token, peak_rss_kib, reset_peak_rss, rss_kib, serve
from bench.targets import Target
from bench.timing import Timings
from reachout.models import Candidate, Touchpoint

TITLE = "Touchpoint export"
RUNS = 3
FORMATS = ("gem", "jsonl")
# The smaller export, for the second peak: about this share of the team's touchpoints.
SMALLER = 10


@dataclass
class Run:
    seconds: float
    rows: int
    mb: float
    peak_mb: float
    # The process's private part of it (none for a server, read from outside).
    peak_anon_mb: float = 0.0


@dataclass
class ExportFigures:
    rows: int = 0
    smaller_rows: int = 0
    smaller_from: str = ""
    base_mb: float = 0.0
    # By format: the whole history's runs through the service, and one of the smaller export.
    service: dict[str, list[Run]] = field(default_factory=dict)
    smaller: dict[str, Run] = field(default_factory=dict)
    floor: list[Run] = field(default_factory=list)
    # By format: the whole history and the smaller export over HTTP; peak_mb is the server's
    # resident high-water mark during the download.
    http: dict[str, Run] = field(default_factory=dict)
    http_smaller: dict[str, Run] = field(default_factory=dict)
    server_mb: float = 0.0


def measure(target: Target, config: Config) -> ExportFigures:
    figures = ExportFigures(smaller_from=_smaller_from(target))
    for export_format in FORMATS:
        runs = []
        for _ in range(RUNS):
            target.settle()
            got = _probe(target, "service", export_format)
            figures.base_mb = got["base_mb"]
            runs.append(_run(got))
        figures.service[export_format] = runs
        figures.smaller[export_format] = _run(
            _probe(target, "service", export_format, figures.smaller_from)
        )
    figures.floor = [_run(_probe(target, "floor", "gem")) for _ in range(RUNS)]
    figures.rows = figures.floor[0].rows
    figures.smaller_rows = figures.smaller[FORMATS[0]].rows
    _measure_http(target, figures)
    return figures


def _smaller_from(target: Target) -> str:
    """The first day of the team's last days holding about 1/SMALLER of its touchpoints."""
    with target.db.unit_of_work(write=False) as session:
        live = (
            select(Touchpoint.local_day)
            .join(Candidate, Candidate.id == Touchpoint.candidate_id)
            .where(
                Touchpoint.team_id == target.team_id,
                Touchpoint.deleted_at.is_(None),
                Candidate.deleted_at.is_(None),
            )
        )
        total = int(session.scalar(select(func.count()).select_from(live.subquery())) or 0)
        day = session.scalar(
            live.order_by(Touchpoint.local_day.desc()).offset(total // SMALLER).limit(1)
        )
    assert day is not None, "the seeded team has no touchpoints"
    return day.isoformat()


def _probe(target: Target, mode: str, export_format: str, first: str = "") -> dict[str, float]:
    env = {**os.environ, "REACHOUT_DATABASE_URL": target.db.settings.database_url}
    args = [mode, export_format, str(target.team_id), *([first] if first else [])]
    done = subprocess.run(
        [sys.executable, "-m", "bench.export_probe", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _run(got: dict[str, float]) -> Run:
    return Run(got["seconds"], int(got["rows"]), got["mb"], got["peak_mb"], got["peak_anon_mb"])


def _measure_http(target: Target, figures: ExportFigures) -> None:
    """One download of each export from `reachout serve` (one process), read as it comes."""
    token = api_token(target)
    with serve(target, target.workdir, workers=1) as server:
        [pid] = server.serving_pids()
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{server.base_url}/api/v1/exports/touchpoints"
        with httpx.Client(headers=headers, timeout=600) as http:
            http.get(url, params={"format": "csv", "from": "2199-12-31"})  # warm up
            figures.server_mb = rss_kib(pid) / 1024
            for export_format in FORMATS:
                for first, into in (
                    ("", figures.http),
                    (figures.smaller_from, figures.http_smaller),
                ):
                    target.settle()
                    params = {"format": export_format, **({"from": first} if first else {})}
                    into[export_format] = _download(http, url, params, pid)


def _download(http: httpx.Client, url: str, params: dict[str, str], pid: int) -> Run:
    if not reset_peak_rss(pid):
        raise RuntimeError("cannot reset the server's peak memory (/proc/PID/clear_refs)")
    started = time.perf_counter()
    size = lines = 0
    with http.stream("GET", url, params=params) as answer:
        answer.raise_for_status()
        for piece in answer.iter_raw():
            size += len(piece)
            lines += piece.count(b"\n")
    seconds = time.perf_counter() - started
    rows = lines - (params["format"] != "jsonl")
    return Run(seconds, rows, size / 1e6, peak_rss_kib(pid) / 1024)


def render(figures: dict[str, ExportFigures], config: Config) -> str:
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    any_f = next(iter(figures.values()))
    lines = [
        "SPEC §7: a million touchpoints streamed without holding them in memory. "
        "`touchpoints_export(...).chunks()` of the seeded team's whole history "
        f"({any_f.rows:,} live touchpoints), each chunk encoded to UTF-8 and dropped, in a "
        f"process of its own ({RUNS} runs; seconds, median / max); beside it the floor: the "
        "same SELECT run on the DB-API connection and iterated, nothing done with the rows "
        "(PostgreSQL: a named cursor, as the export's). Memory at two row counts, the whole "
        f"history and its last days from {any_f.smaller_from} ({any_f.smaller_rows:,} "
        "touchpoints, `from=`): the process's resident high-water mark (VmHWM, reset once "
        f"the database is open, at about {any_f.base_mb:.0f} MB), and the largest private "
        "(anonymous) resident memory seen between chunks. On SQLite the resident set also "
        "holds the database file's pages it maps (`mmap_size`, 128 MiB at most): the page "
        "cache's, not the export's.",
        "",
        "| database | format | MB | service (s) median / max | driver floor (s) | "
        "service / floor | peak MB, smaller / whole | private MB, smaller / whole |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, f in figures.items():
        floor = Timings(tuple(r.seconds for r in f.floor))
        for export_format, runs in f.service.items():
            t = Timings(tuple(r.seconds for r in runs))
            small = f.smaller[export_format]
            lines.append(
                f"| {names[key]} | {export_format} | {runs[0].mb:,.0f} "
                f"| {t.median_ms / 1000:.2f} / {t.max_ms / 1000:.2f} "
                f"| {floor.median_ms / 1000:.2f} | {t.median_ms / floor.median_ms:.1f} x "
                f"| {small.peak_mb:.0f} / {max(r.peak_mb for r in runs):.0f} "
                f"| {small.peak_anon_mb:.0f} / {max(r.peak_anon_mb for r in runs):.0f} |"
            )
    floor_peaks = ", ".join(
        f"{names[k]} {max(r.peak_mb for r in f.floor):.0f} MB "
        f"({max(r.peak_anon_mb for r in f.floor):.0f} MB private)"
        for k, f in figures.items()
    )
    lines += [
        "",
        f"The floor's peaks, for the whole history: {floor_peaks}.",
        "",
        "Over HTTP: `GET /api/v1/exports/touchpoints` from `reachout serve` (one process), read "
        "as it arrives; one download each, the smaller first. Peak MB is the server's resident "
        "high-water mark during the download (VmHWM, reset before it), beside its resident set "
        "when idle.",
        "",
        "| database | format | rows | seconds | server peak MB, smaller / whole | server idle MB |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for key, f in figures.items():
        for export_format, run in f.http.items():
            lines.append(
                f"| {names[key]} | {export_format} | {run.rows:,} | {run.seconds:.2f} "
                f"| {f.http_smaller[export_format].peak_mb:.0f} / {run.peak_mb:.0f} "
                f"| {f.server_mb:.0f} |"
            )
    return "\n".join(lines)
