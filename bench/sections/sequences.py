"""Sequences (SPEC §9): email sent through one and two `reachout worker` processes to an SMTP
sink on loopback, beside the SMTP floor (the same number of mails through the worker's own
mailer, with no database), and 10,000 candidates enrolled through the service, beside the
driver's executemany of the same rows into the enrollment table and into a bare clone of it
(the floor)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Column, MetaData, Table, delete, func, insert, select

from bench.config import Config
from bench.server import _free_port
from bench.targets import NAMES, Target
from bench.timing import Timings
from reachout.models import Candidate, CandidateEmail, Enrollment, Team, User
from reachout.models.enums import Channel
from reachout.sequences.enrollments import enroll
from reachout.sequences.schemas import EnrollmentCreate, SequenceCreate, StageIn
from reachout.sequences.service import create_sequence

TITLE = "Sequences"
ENROLL = 10_000
# Mails a run sends, and the worker processes that send them.
SENDS = 250
WORKERS = (1, 2)
RUNS = 3
# A run that takes longer than this has stalled.
RUN_LIMIT_SECONDS = 120.0
WORKER_ENV = {"REACHOUT_WORKER_POLL_SECONDS": "0.1", "REACHOUT_POOL_SIZE": "2"}
STAGE = StageIn(
    channel=Channel.email,
    subject="{{first_name}}, a role at Acme",
    body="Hi {{first_name|there}},\n\nYour work caught my eye.\n\n{{sender_name}}",
)


@dataclass
class SendFigures:
    workers: int
    mails: int
    # Seconds per run: from the enrollment's commit to the last enrollment finished; the
    # floor's, from the probes' common start to the last mail accepted.
    service: Timings
    floor: Timings


@dataclass
class SequenceFigures:
    enrolled: int = 0
    enroll: Timings = field(default_factory=lambda: Timings((0.0,)))
    # The driver's executemany of the same rows: into the enrollment table (its indexes, its
    # foreign keys), and into a bare table with its columns (the floor).
    enroll_table: Timings = field(default_factory=lambda: Timings((0.0,)))
    enroll_floor: Timings = field(default_factory=lambda: Timings((0.0,)))
    sends: list[SendFigures] = field(default_factory=list)


class Sink:
    """An SMTP server that accepts every mail and counts them by Message-ID."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = BytesHeaderParser().parsebytes(envelope.original_content)
        with self.lock:
            self.ids[str(headers["Message-ID"])] += 1
        return "250 OK"

    def received(self) -> int:
        with self.lock:
            return sum(self.ids.values())


@contextmanager
def sink() -> Iterator[tuple[Sink, str]]:
    handler, port = Sink(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def measure(target: Target, config: Config) -> SequenceFigures:
    runs = min(RUNS, config.runs)
    sequence_id, pool = _prepare(target, ENROLL)
    if len(pool) < len(WORKERS) * runs * SENDS:
        raise SystemExit(f"the sequences section needs more candidates with an email: {len(pool)}")
    figures = SequenceFigures(enrolled=len(pool))
    figures.enroll, figures.enroll_table, figures.enroll_floor = _enroll_timings(
        target, sequence_id, pool, runs
    )
    with sink() as (mails, url):
        for n, workers in enumerate(WORKERS):
            # Candidates not yet sent to in the section, SENDS a run.
            batches = [pool[(n * runs + i) * SENDS :][:SENDS] for i in range(runs)]
            service = _send_runs(target, sequence_id, batches, workers, mails, url)
            floor = tuple(_smtp_floor(url, workers) for _ in range(runs))
            figures.sends.append(SendFigures(workers, SENDS, service, Timings(floor)))
        twice = [m for m, n in mails.ids.items() if n > 1]
        assert not twice, f"mails received more than once: {twice[:3]}"
    return figures


def _prepare(target: Target, count: int) -> tuple[int, list[int]]:
    """A one-email sequence of the seeded team's admin, a sending window open all week, no
    daily cap to speak of; and up to `count` candidates with an address to send to."""
    with target.db.unit_of_work() as session:
        team = session.get_one(Team, target.team_id)
        team.sending_days = "mon,tue,wed,thu,fri,sat,sun"
        team.sending_start, team.sending_end = "00:00", "24:00"
        team.daily_send_cap = 10_000_000
        admin = session.get_one(User, target.admin_id)
        sequence = create_sequence(
            session, actor=admin, data=SequenceCreate(name="Bench sequence", stages=[STAGE])
        )
        pool = session.scalars(
            select(CandidateEmail.candidate_id)
            .join(Candidate, Candidate.id == CandidateEmail.candidate_id)
            .where(
                Candidate.team_id == team.id,
                Candidate.deleted_at.is_(None),
                CandidateEmail.bounced_at.is_(None),
            )
            .group_by(CandidateEmail.candidate_id)
            .order_by(CandidateEmail.candidate_id)
            .limit(count)
        ).all()
    target.settle()
    return sequence.id, list(pool)


def _enroll(target: Target, sequence_id: int, ids: list[int]) -> tuple[float, list[int]]:
    """`enroll` of these candidates, commit included: its seconds and the enrollments."""
    started = time.perf_counter()
    with target.db.unit_of_work() as session:
        admin = session.get_one(User, target.admin_id)
        result = enroll(
            session,
            actor=admin,
            sequence_id=sequence_id,
            data=EnrollmentCreate(candidate_ids=ids),
        )
    seconds = time.perf_counter() - started
    assert result.enrolled == len(ids), result.skipped[:3]
    return seconds, result.enrollment_ids


def _enroll_timings(
    target: Target, sequence_id: int, pool: list[int], runs: int
) -> tuple[Timings, Timings, Timings]:
    """`enroll` of the pool; the driver's executemany of the same rows into the enrollment
    table; the same into a bare table. Each commit included, each run's rows deleted after."""
    service, table, bare = [], [], []
    for _ in range(runs):
        seconds, ids = _enroll(target, sequence_id, pool)
        service.append(seconds)
        with target.db.unit_of_work() as session:
            rows = [
                {c.name: getattr(e, c.key) for c in Enrollment.__table__.columns if c.name != "id"}
                for e in session.scalars(select(Enrollment).where(Enrollment.id.in_(ids)))
            ]
        _delete_enrollments(target, sequence_id)
        table.append(_driver_seconds(target, Enrollment.__table__, rows))
        _delete_enrollments(target, sequence_id)
        bare.append(_bare_floor(target, rows))
        target.settle()
    return Timings(tuple(service)), Timings(tuple(table)), Timings(tuple(bare))


def _delete_enrollments(target: Target, sequence_id: int) -> None:
    with target.db.unit_of_work() as session:
        session.execute(
            delete(Enrollment)
            .where(Enrollment.sequence_id == sequence_id)
            .execution_options(synchronize_session=False)
        )
    target.settle()


def _driver_seconds(target: Target, table: Any, rows: list[dict[str, Any]]) -> float:
    """The driver's executemany of the rows into the table, commit included."""
    started = time.perf_counter()
    with target.db.unit_of_work() as session:
        session.execute(insert(table), rows)
    return time.perf_counter() - started


def _bare_floor(target: Target, rows: list[dict[str, Any]]) -> float:
    """The least writing these rows costs: into an empty table with the enrollment table's
    columns and key, and nothing else (no other index, no foreign key, no check)."""
    bare = Table(
        "bench_enrollment_floor",
        MetaData(),
        *(Column(c.name, c.type, primary_key=c.primary_key) for c in Enrollment.__table__.columns),
    )
    with target.db.unit_of_work() as session:
        bare.create(session.connection())
    try:
        return _driver_seconds(target, bare, rows)
    finally:
        with target.db.unit_of_work() as session:
            bare.drop(session.connection())


def _send_runs(
    target: Target,
    sequence_id: int,
    batches: list[list[int]],
    workers: int,
    mails: Sink,
    url: str,
) -> Timings:
    """Enroll each batch (due at once) while the workers wait, and time until each enrollment
    is past its one stage."""
    seconds = []
    with _workers(target, url, workers):
        for batch in batches:
            received = mails.received()
            _, ids = _enroll(target, sequence_id, batch)
            started = time.perf_counter()
            while _active(target, sequence_id) > 0:
                if time.perf_counter() - started > RUN_LIMIT_SECONDS:
                    raise RuntimeError(f"{target.name}: the workers stalled")
                time.sleep(0.02)
            seconds.append(time.perf_counter() - started)
            assert mails.received() - received == len(ids), "a mail went missing"
            target.settle()
    return Timings(tuple(seconds))


def _active(target: Target, sequence_id: int) -> int:
    with target.db.unit_of_work(write=False) as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    Enrollment.sequence_id == sequence_id, Enrollment.status == "active"
                )
            )
            or 0
        )


@contextmanager
def _workers(target: Target, url: str, count: int) -> Iterator[None]:
    """`count` `reachout worker` processes, each started and ready (idle) before the block."""
    env = {
        **os.environ,
        **WORKER_ENV,
        "REACHOUT_DATABASE_URL": target.db.settings.database_url,
        "REACHOUT_SMTP_URL": url,
    }
    logs = [target.workdir / f"worker-{target.key}-{count}-{n}.log" for n in range(count)]
    processes = []
    for log in logs:
        with log.open("wb") as out:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "reachout", "worker"],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    try:
        for process, log in zip(processes, logs, strict=True):
            _wait_ready(process, log)
        yield
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def _wait_ready(process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while b"is sending due email" not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"a worker did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)


def _smtp_floor(url: str, workers: int) -> float:
    """`workers` probes sending SENDS mails between them, starting together: the seconds until
    the last one is done."""
    start = time.time() + 1.5
    probes = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.sequences_probe", url, str(SENDS // workers), str(start)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    outputs = [p.communicate(timeout=RUN_LIMIT_SECONDS)[0] for p in probes]
    assert all(p.returncode == 0 for p in probes), outputs
    return max(float(json.loads(o.strip().splitlines()[-1])["seconds"]) for o in outputs)


def render(figures: dict[str, SequenceFigures], config: Config) -> str:
    any_f = next(iter(figures.values()))
    runs = len(any_f.enroll.samples)
    lines = [
        f"SPEC §9: a due email leaves within 10 s with a worker running. Sends a second: "
        f"{SENDS} candidates of the seeded team enrolled at once (through the service) in a "
        "one-email sequence while `reachout worker` processes wait (polling every "
        f"{WORKER_ENV['REACHOUT_WORKER_POLL_SECONDS']} s), timed from the enrollment's commit "
        "until every enrollment is finished (the mail accepted by an SMTP sink on loopback, "
        "aiosmtpd in the benchmark's process, and its touchpoint written); beside it the SMTP "
        f"floor: {SENDS} mails through the worker's own mailer (`sequences/mail.py`, one "
        "connection, a NOOP before each mail) from as many processes, with no database. "
        f"{runs} runs each; the rate is of the median run. On SQLite the workers share the "
        "file's one writer: a second worker overlaps only its SMTP conversations.",
        "",
        "| database | workers | sends / s (median run) | slowest run (s) | SMTP floor, mails / s "
        "| floor / sends |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, f in figures.items():
        for s in f.sends:
            rate = s.mails / (s.service.median_ms / 1000)
            floor = s.mails / (s.floor.median_ms / 1000)
            lines.append(
                f"| {NAMES[key]} | {s.workers} | {rate:,.0f} | {s.service.max_ms / 1000:.2f} "
                f"| {floor:,.0f} | {floor / rate:.1f} x |"
            )
    lines += [
        "",
        f"Enrolling {any_f.enrolled:,} candidates of the seeded team: `enroll` (the service: "
        "who may be enrolled, the rows written with `INSERT ... RETURNING`, the audit record), "
        "beside the driver's `executemany` of the same rows into the enrollment table itself "
        "(its four indexes, its six foreign keys) and into a bare table with its columns and "
        f"key only (the floor); each commit included. {runs} runs each; the rows are deleted "
        "after each, untimed.",
        "",
        "| database | enroll (s) median / max | driver, enrollment table (s) | driver, bare "
        "table (s) | enroll / bare |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for key, f in figures.items():
        lines.append(
            f"| {NAMES[key]} | {f.enroll.median_ms / 1000:.2f} / {f.enroll.max_ms / 1000:.2f} "
            f"| {f.enroll_table.median_ms / 1000:.2f} | {f.enroll_floor.median_ms / 1000:.2f} "
            f"| {f.enroll.median_ms / f.enroll_floor.median_ms:.1f} x |"
        )
    return "\n".join(lines)
