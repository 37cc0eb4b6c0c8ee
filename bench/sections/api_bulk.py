"""Bulk logging through the HTTP API, beside the driver's floor, and the server's memory
(SPEC §6: bulk speed, and a 50,000-candidate request under 500 MB in the server process)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial

import httpx

from bench.config import Config
from bench.sections.bulk import NOTE, clone_floor_seconds, floor_rows, floor_seconds, project_of
from bench.server import api_token, peak_rss_kib, reset_peak_rss, rss_kib, serve
from bench.targets import NAMES, Target
from bench.timing import Timings, ms, timed

TITLE = "Bulk logging through the API"
# One server process: it handles every request, so its memory is the request's.
WORKERS = 1
REQUEST_TIMEOUT = 300.0
# SPEC §6 and the targets.
TARGET_SIZE, TARGET_MS, TARGET_FACTOR, TARGET_MB = 10_000, 1000.0, 3.0, 500.0


@dataclass
class ApiBulkFigures:
    log: dict[int, Timings] = field(default_factory=dict)
    undo: dict[int, Timings] = field(default_factory=dict)
    floor: dict[int, Timings] = field(default_factory=dict)
    clone_floor: dict[int, Timings] = field(default_factory=dict)
    # How the last request of each size resolved: (initial, follow_up).
    resolved: dict[int, tuple[int, int]] = field(default_factory=dict)
    # The server process's resident memory in KiB: at rest before a size's requests, and the
    # peak during them (VmHWM).
    rss_before: dict[int, int] = field(default_factory=dict)
    peak_rss: dict[int, int] = field(default_factory=dict)
    # Whether the peak could be started again before each size (else it counts from start-up).
    peak_per_size: bool = True


def measure(target: Target, config: Config) -> ApiBulkFigures:
    figures = ApiBulkFigures()
    token = api_token(target)
    scopes = {
        size: project_of(target, size, name=f"Bench API bulk {size:,}")
        for size in config.bulk_sizes
    }
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with (
        serve(target, target.workdir, workers=WORKERS) as server,
        httpx.Client(base_url=server.base_url, headers=headers, timeout=REQUEST_TIMEOUT) as http,
    ):
        (pid,) = server.serving_pids()
        # A first small request, untimed: what a server that has been up a while has done.
        project_id, candidate_ids = next(iter(scopes.values()))
        _undo(http, _log(http, project_id, _body(candidate_ids[:100]))[0])
        for size, (project_id, candidate_ids) in scopes.items():
            rows = floor_rows(target, project_id, candidate_ids)
            body = _body(candidate_ids)
            figures.rss_before[size] = rss_kib(pid)
            figures.peak_per_size &= reset_peak_rss(pid)
            log, undo, floor, clone_floor = [], [], [], []
            for _ in range(config.runs):
                target.settle()
                seconds, (batch_id, resolved) = timed(partial(_log, http, project_id, body))
                log.append(seconds)
                figures.resolved[size] = resolved
                target.settle()
                undo.append(timed(partial(_undo, http, batch_id))[0])
                target.settle()
                floor.append(floor_seconds(target, rows))
                target.settle()
                clone_floor.append(clone_floor_seconds(target, rows))
            figures.peak_rss[size] = peak_rss_kib(pid)
            figures.log[size], figures.undo[size] = Timings(tuple(log)), Timings(tuple(undo))
            figures.floor[size] = Timings(tuple(floor))
            figures.clone_floor[size] = Timings(tuple(clone_floor))
    return figures


def _body(candidate_ids: list[int]) -> bytes:
    """A bulk request's body: these candidates of the project get an InMail each."""
    return json.dumps({"candidate_ids": candidate_ids, "channel": "inmail", "note": NOTE}).encode()


def _log(http: httpx.Client, project_id: int, body: bytes) -> tuple[int, tuple[int, int]]:
    path = f"/api/v1/projects/{project_id}/touchpoints/bulk"
    answer = _expect(http.post(path, content=body), 201)
    return answer["batch_id"], (answer["initial"], answer["follow_up"])


def _undo(http: httpx.Client, batch_id: int) -> None:
    _expect(http.delete(f"/api/v1/batches/{batch_id}"), 200)


def _expect(response: httpx.Response, status: int) -> dict[str, int]:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:500]}"
        )
    answer: dict[str, int] = response.json()
    return answer


def render(figures: dict[str, ApiBulkFigures], config: Config) -> str:
    lines = [
        f"SPEC §6: bulk logging of {TARGET_SIZE:,} candidates well under a second (the target: "
        f"under {TARGET_MS / 1000:.0f} s) and within {TARGET_FACTOR:.0f} x the driver's floor "
        "into an empty clone of the table; a "
        f"50,000-candidate request under {TARGET_MB:.0f} MB of peak memory in the server "
        "process. A figure that misses its target is in bold.",
        "",
        f"`POST /api/v1/projects/{{id}}/touchpoints/bulk` with every candidate of a project by "
        f"id, to `reachout serve --workers {WORKERS}` (its own process) over HTTP on loopback, "
        "timed by the client from sending the request to the whole answer (parsing, checks, "
        "writes, the commit); then `DELETE /api/v1/batches/{id}`, the undo. Beside them, the "
        "floors of the section above: the same rows written by the driver alone (COPY / "
        "executemany) in one transaction, into the touchpoint table and into an empty clone of "
        f"it. {config.runs} runs each; milliseconds, median / p95 / max. Each action, "
        "and the floor, starts with SQLite's write-ahead log copied back into the file, as in "
        "the section above (the server's own thread does it after each commit). Memory: the "
        "server process's resident set (`/proc/<pid>/status`), at rest before the first request "
        "of a size and its peak (VmHWM) over that size's requests.",
        "",
        "| candidates | database | API bulk | API undo | driver floor | empty-clone floor "
        "| API / floor | clone: API / floor | server memory at rest | peak |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in config.bulk_sizes:
        for key, f in figures.items():
            log, floor, clone = f.log[size], f.floor[size], f.clone_floor[size]
            factor = log.median_ms / floor.median_ms
            clone_factor = log.median_ms / clone.median_ms
            median = _bold_if(ms(log.median_ms), size == TARGET_SIZE and log.median_ms > TARGET_MS)
            shown_factor = _bold_if(f"{clone_factor:.1f} x", clone_factor > TARGET_FACTOR)
            peak_mb = _mb(f.peak_rss[size])
            peak = _bold_if(f"{peak_mb:,.0f} MB", peak_mb > TARGET_MB)
            lines.append(
                f"| {size:,} | {NAMES[key]} | {median} / {ms(log.p95_ms)} / {ms(log.max_ms)} "
                f"| {_three(f.undo[size])} | {_three(floor)} | {_three(clone)} "
                f"| {factor:.1f} x | {shown_factor} "
                f"| {_mb(f.rss_before[size]):,.0f} MB | {peak} |"
            )
    if not all(f.peak_per_size for f in figures.values()):
        lines += [
            "",
            "The peak could not be started again before each size here (`/proc/<pid>/clear_refs` "
            "refused): it is the peak since the server started.",
        ]
    resolved = {
        f"{NAMES[key]}, {size:,}": f.resolved[size]
        for key, f in figures.items()
        for size in config.bulk_sizes
    }
    lines += [
        "",
        "How the last request of each size resolved Auto (initial / follow-up): "
        + "; ".join(f"{where} {i:,} / {fu:,}" for where, (i, fu) in resolved.items())
        + ". The statements behind these times are listed by the *Bulk logging* section (the "
        "same service, in process).",
    ]
    return "\n".join(lines)


def _mb(kib: int) -> float:
    return kib * 1024 / 1e6


def _three(t: Timings) -> str:
    return f"{ms(t.median_ms)} / {ms(t.p95_ms)} / {ms(t.max_ms)}"


def _bold_if(text: str, condition: bool) -> str:
    return f"**{text}**" if condition else text
