"""Single-touchpoint logging under load (SPEC §6: hundreds of requests a second, p99 under
100 ms): concurrent clients POST /api/v1/touchpoints to a real server, and where a request's
time goes."""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from fastapi import FastAPI
from sqlalchemy import select, text

from bench import loadgen
from bench.config import SEED, Config
from bench.machine import speed_probe_ms
from bench.server import api_token, cpu_seconds, serve
from bench.statements import Statement, heaviest, recorded
from bench.targets import NAMES, Target
from bench.timing import ms
from reachout.app import create_app
from reachout.models import Candidate

TITLE = "Logging single touchpoints under load"
PATH = "/api/v1/touchpoints"
WARM_UP = 200
# Requests timed one at a time in process, for where the time goes.
PROFILED = 100
TARGET_P99_MS, TARGET_RATE = 100.0, 300.0
FLOOR = "floor (FastAPI, nothing behind)"
CHANNELS = ("inmail", "email", "text", "call")


@dataclass
class LoadFigures:
    workers: int
    # "as fast as answered", and "at N req/s": what each phase gave, and the CPU seconds spent
    # in it by the server's workers, the load generator and the database's own processes.
    phases: dict[str, loadgen.Outcome] = field(default_factory=dict)
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    # One request at a time, in process, no network: seconds each took, and its statements.
    alone: list[float] = field(default_factory=list)
    statements: list[list[Statement]] = field(default_factory=list)
    # As fast as answered, against bench/floor.py's app (FastAPI and uvicorn doing nothing).
    floor: loadgen.Outcome | None = None
    floor_cpu: dict[str, float] = field(default_factory=dict)
    # The machine's speed probe (bench/machine.py) just before and just after each phase.
    probes: dict[str, tuple[float, float]] = field(default_factory=dict)
    # PostgreSQL: the VACUUM (ANALYZE) before the phases, in seconds.
    vacuum_seconds: float | None = None


def measure(target: Target, config: Config) -> LoadFigures:
    figures = LoadFigures(workers=config.load_workers.get(target.key, 1))
    figures.vacuum_seconds = target.vacuum()
    token = api_token(target)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    plans = _plans(target, config)
    figures.alone, figures.statements = _alone(target, headers, plans.pop("alone"))
    with serve(target, target.workdir, workers=figures.workers) as server:
        _drive(server.base_url, headers, config, plans.pop("warm-up"), rate=None)
        for phase, (requests, rate) in _phases(config, plans).items():
            before = speed_probe_ms()
            with _cpu(target, server.serving_pids()) as spent:
                figures.phases[phase] = _drive(
                    server.base_url, headers, config, requests, rate=rate
                )
            figures.cpu[phase] = spent
            figures.probes[phase] = (before, speed_probe_ms())
    # The same clients against FastAPI and uvicorn doing nothing: the framework's share.
    with serve(target, target.workdir, workers=figures.workers, floor=True) as server:
        floor = plans.pop("floor")  # it reads no key: the same requests warm it up
        _drive(server.base_url, headers, config, floor[:WARM_UP], rate=None)
        before = speed_probe_ms()
        with _cpu(target, server.serving_pids()) as spent:
            figures.floor = _drive(server.base_url, headers, config, floor, rate=None)
        figures.floor_cpu = spent
        figures.probes[FLOOR] = (before, speed_probe_ms())
    return figures


def _plans(target: Target, config: Config) -> dict[str, list[loadgen.Request]]:
    """The requests of each phase: varied candidates, kinds and channels, each with a key of
    its own (so none is a replay)."""
    with target.db.unit_of_work(write=False) as session:
        candidate_ids = list(
            session.scalars(
                # Live ones only: the import section leaves the people it made deleted.
                select(Candidate.id).where(
                    Candidate.team_id == target.team_id, Candidate.deleted_at.is_(None)
                )
            )
        )
    rng = random.Random(SEED)
    run = secrets.token_hex(4)
    sizes = {
        "alone": PROFILED,
        "warm-up": WARM_UP,
        "fast": config.load_requests,
        "floor": config.load_requests,
        **{f"paced-{rate:g}": config.load_requests for rate in config.load_rates},
    }
    plans: dict[str, list[loadgen.Request]] = {}
    for phase, size in sizes.items():
        plans[phase] = []
        for i in range(size):
            body: dict[str, object] = {"candidate_id": rng.choice(candidate_ids)}
            if i % 4 == 3:
                body |= {"kind": "reply", "channel": rng.choice(CHANNELS)}
                body["reply_status"] = rng.choice(["interested", "not_interested", "later", None])
            else:
                body |= {"kind": "outreach", "channel": rng.choice(CHANNELS)}
            key = {"Idempotency-Key": f"bench-{run}-{phase}-{i}"}
            plans[phase].append(loadgen.Request(PATH, json.dumps(body).encode(), key))
    return plans


def _phases(
    config: Config, plans: dict[str, list[loadgen.Request]]
) -> dict[str, tuple[list[loadgen.Request], float | None]]:
    return {
        "as fast as answered": (plans["fast"], None),
        **{f"at {rate:,.0f} req/s": (plans[f"paced-{rate:g}"], rate) for rate in config.load_rates},
    }


def _drive(
    base_url: str,
    headers: dict[str, str],
    config: Config,
    requests: list[loadgen.Request],
    *,
    rate: float | None,
) -> loadgen.Outcome:
    return loadgen.run(
        base_url,
        requests,
        clients=config.load_clients,
        seconds=config.load_seconds,
        rate=rate,
        expect=201,
        headers=headers,
    )


@contextmanager
def _cpu(target: Target, server_pids: list[int]) -> Iterator[dict[str, float]]:
    """CPU seconds spent while the block runs: by the server's workers, by this process (the
    load generator) and, on PostgreSQL, by the backends serving the benchmark's database."""
    spent: dict[str, float] = {}
    server, client = cpu_seconds(server_pids), time.process_time()
    with _Backends(target) as backends:
        yield spent
    spent["server"] = cpu_seconds(server_pids) - server
    spent["load generator"] = time.process_time() - client
    if target.key == "postgresql":
        spent["database"] = backends.seconds
        spent["connections opened"] = backends.opened


class _Backends:
    """The CPU time of the PostgreSQL backends of the benchmark's database over a span of time.
    They come and go with the server's connection pools, so they are looked up four times a
    second; a backend first seen after the start is counted from zero."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.opened = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _Backends:
        if self.target.key == "postgresql":
            self._look(start=True)
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._thread.is_alive():
            self._stop.set()
            self._thread.join()
            self._look(start=False)

    @property
    def seconds(self) -> float:
        return sum(cpu - self.first.get(pid, 0.0) for pid, cpu in self.last.items())

    def _watch(self) -> None:
        while not self._stop.wait(0.25):
            self._look(start=False)

    def _look(self, *, start: bool) -> None:
        with self.target.db.engine.connect() as conn:
            pids = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
            for pid in pids:
                cpu = cpu_seconds([pid])
                if start:
                    self.first[pid] = cpu
                elif pid not in self.last and pid not in self.first:
                    self.opened += 1
                self.last[pid] = max(cpu, self.last.get(pid, 0.0))


def _alone(
    target: Target, headers: dict[str, str], requests: list[loadgen.Request]
) -> tuple[list[float], list[list[Statement]]]:
    """Each request alone through the app in this process (the same route, dependencies and
    service, without HTTP): its time, and the statements it ran."""
    app = create_app(target.db.settings, db=target.db)
    with recorded(*target.db.engines) as seen:
        return asyncio.run(_one_at_a_time(app, headers, requests, seen))


async def _one_at_a_time(
    app: FastAPI, headers: dict[str, str], requests: list[loadgen.Request], seen: list[Statement]
) -> tuple[list[float], list[list[Statement]]]:
    took, statements = [], []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=headers
    ) as client:
        for request in requests:
            mark = len(seen)
            started = time.perf_counter()
            answer = await client.post(request.path, content=request.body, headers=request.headers)
            took.append(time.perf_counter() - started)
            if answer.status_code != 201:
                raise RuntimeError(f"POST {request.path}: {answer.status_code} {answer.text}")
            statements.append(seen[mark:])
    return took, statements


def render(figures: dict[str, LoadFigures], config: Config) -> str:
    lines = [
        f"SPEC §6: single-touchpoint logging sustains hundreds of requests a second with a p99 "
        f"under {TARGET_P99_MS:.0f} ms (the target: at {TARGET_RATE:.0f} req/s or more, on "
        "PostgreSQL); a p99 over it is in bold.",
        "",
        "`reachout serve --workers N` in its own process on loopback (N, the server "
        "processes, is in the table; by default one for SQLite, whose single writer a second "
        f"process could only contend for). {config.load_clients} concurrent clients (aiohttp, "
        f"asyncio, keep-alive connections; httpx's client cost 3.3-4 ms of CPU per request, "
        f"aiohttp's 0.3, against a FastAPI endpoint that does nothing; on uvloop, with the "
        "collector off while a phase runs, as `timeit` does: a full collection in the "
        "benchmark's process stopped every client for up to 177 ms) `POST {PATH}` for "
        "random candidates of the seeded "
        "team (3 outreach with Auto designation to 1 reply, all channels), each with its own "
        f"`Idempotency-Key`; up to {config.load_requests:,} requests or "
        f"{config.load_seconds:.0f} s per phase, after {WARM_UP} untimed. *As fast as "
        "answered*: each client sends again as soon as it has its answer. "
        "*At N req/s*: request i is due at i / N and its latency "
        "counts from then, so falling behind shows as latency. *Floor*: the same clients and "
        "requests, as fast as answered, against `bench/floor.py` (FastAPI and uvicorn with "
        "as many workers, answering with nothing behind: no database, no authentication); "
        "what the server spends beyond it is Reachout's own work. Latency is the client's, in "
        "milliseconds. **The load generator runs on the same machine** (it shares the cores "
        "with the server and the database): the CPU columns say who spent what, in CPU "
        "milliseconds per request. *Connections opened*: PostgreSQL backends that started "
        "during the phase (the server's pools growing, or churning). *Speed probe*: the "
        "machine's speed just before and just after the phase, as CPU milliseconds of a fixed "
        "Python loop (`bench/machine.py`; lower is faster). The same code's CPU per request "
        "moves with it, and so does the tail at 300 req/s, where two cores carry the server, "
        "the database and the load generator.",
        *_vacuum_note(figures),
        "",
        "| phase | database | N | requests | errors | req/s | p50 | p95 | p99 | CPU/request: "
        "server | database | load generator | connections opened | speed probe |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: |",
    ]
    for phase in next(iter(figures.values())).phases:
        for key, f in figures.items():
            lines.append(_phase_row(phase, NAMES[key], f))
    for key, f in figures.items():
        if f.floor is not None:
            lines.append(
                _row(FLOOR, NAMES[key], f.workers, f.floor, f.floor_cpu, f.probes.get(FLOOR))
            )
    errors = {
        f"{NAMES[key]}, {phase}": o.errors
        for key, f in figures.items()
        for phase, o in f.phases.items()
        if o.errors
    }
    if errors:
        lines += ["", "Errors: " + "; ".join(f"{w}: {e}" for w, e in errors.items()) + "."]
    lines += ["", *_path(figures)]
    return "\n".join(lines)


def _vacuum_note(figures: dict[str, LoadFigures]) -> list[str]:
    seconds = [f.vacuum_seconds for f in figures.values() if f.vacuum_seconds is not None]
    if not seconds:
        return []
    return [
        "",
        "Before the first phase, PostgreSQL gets a `VACUUM (ANALYZE)`, untimed "
        f"({', '.join(f'{s:.1f} s' for s in seconds)}). The bulk sections before this one "
        "leave hundreds of thousands of dead row versions in `touchpoint` and `thread`. "
        "Without it, autovacuum cleans them up during the phases: 8 s of vacuum on "
        "`touchpoint` inside the first phase, in the server's log of a run on 2026-11-29.",
    ]


def _phase_row(phase: str, name: str, f: LoadFigures) -> str:
    return _row(phase, name, f.workers, f.phases[phase], f.cpu[phase], f.probes.get(phase))


def _row(
    phase: str,
    name: str,
    workers: int,
    o: loadgen.Outcome,
    cpu: dict[str, float],
    probes: tuple[float, float] | None,
) -> str:
    answered = len(o.latencies) or 1
    p99 = ms(o.percentile_ms(99))
    if o.percentile_ms(99) > TARGET_P99_MS:
        p99 = f"**{p99}**"
    per_request = [
        f"{cpu[what] * 1000 / answered:.1f}" if what in cpu else "(in server)"
        for what in ("server", "database", "load generator")
    ]
    opened = f"{cpu['connections opened']:,.0f}" if "connections opened" in cpu else "-"
    probed = f"{probes[0]:.0f} / {probes[1]:.0f}" if probes else "-"
    return (
        f"| {phase} | {name} | {workers} | {o.sent:,} | {o.error_count:,} | {o.throughput:,.0f} "
        f"| {ms(o.percentile_ms(50))} | {ms(o.percentile_ms(95))} | {p99} | "
        + " | ".join(per_request)
        + f" | {opened} | {probed} |"
    )


def _path(figures: dict[str, LoadFigures]) -> list[str]:
    """Where one request's time goes, alone, in process."""
    lines = [
        f"Where a request's time goes: {PROFILED} of the same requests, one at a time, through "
        "the app in the benchmark's process (route, dependencies, service; no HTTP, no "
        "concurrency), with the statements each ran (milliseconds per request, means).",
        "",
        "| database | request | statements | in statements | the rest (Python) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for key, f in figures.items():
        count = statistics.mean(len(s) for s in f.statements)
        in_db = statistics.mean(sum(x.seconds for x in s) for s in f.statements) * 1000
        mean = statistics.mean(f.alone) * 1000
        lines.append(
            f"| {NAMES[key]} | {ms(mean)} | {count:.1f} | {ms(in_db)} | {ms(mean - in_db)} |"
        )
    for key, f in figures.items():
        every = [s for request in f.statements for s in request]
        lines += ["", f"*{NAMES[key]}: statements by time spent, per request*", ""]
        lines += [
            f"- {seconds * 1000 / len(f.statements):.2f} ms, {runs / len(f.statements):.1f}x: "
            f"`{sql}`"
            for sql, runs, seconds in heaviest(every, 8)
        ]
    return lines
