"""Workers as an operator runs them (SPEC §9): `reachout worker` processes against one database,
and a real SMTP server on loopback in the test process.

Concurrent workers never send a stage twice; a worker killed in the middle of an SMTP
conversation leaves its send `unknown` (shown, paused), never lost and never repeated; SIGTERM
stops a worker within 20 seconds, after the conversation it is in. Several workers at once need
PostgreSQL (`FOR UPDATE SKIP LOCKED`); SQLite has one writer per file.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from reachout.db import Database
from reachout.kit import time as clock
from reachout.models import (
    Candidate,
    CandidateEmail,
    Enrollment,
    SequenceSend,
    Team,
    Touchpoint,
    User,
)
from reachout.models.enums import Channel
from reachout.sequences import sending
from reachout.sequences.enrollments import enroll
from reachout.sequences.schemas import EnrollmentCreate, SequenceCreate, StageIn
from reachout.sequences.service import create_sequence
from tests.factories import World
from tests.reliability.conftest import SOURCE_ROOT
from tests.sequences.conftest import SmtpSink, free_port

POLL_SECONDS = "0.2"
STOP_SECONDS = 20
ONE_WRITER = "SQLite has one writer per file: concurrent workers need PostgreSQL (SPEC §9)"


@dataclass
class SlowSink(SmtpSink):
    """The test SMTP server, slowed down per DATA, and able to keep one mail and hold back its
    answer until released (its worker is then known to be in the middle of its conversation)."""

    delay: float = 0.0
    hold_next: bool = False
    # The Message-ID of the mail held, once one is.
    held: str | None = None
    released: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = await super().handle_DATA(server, session, envelope)
        with self.lock:
            hold, self.hold_next = self.hold_next, False
        if hold:
            # The mail is kept, and its worker waits for the answer: the moment where a crash
            # leaves the outcome unknown to the worker, the mail being delivered.
            self.held = str(BytesHeaderParser().parsebytes(envelope.original_content)["Message-ID"])
            while not self.released.is_set():
                await asyncio.sleep(0.01)
        return answer

    def message_ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(r.message["Message-ID"]) for r in self.received)

    def recipients(self) -> Counter[str]:
        with self.lock:
            return Counter(rcpt for r in self.received for rcpt in r.recipients)


@pytest.fixture
def sink() -> Iterator[SlowSink]:
    sink = SlowSink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    sink.released.set()
    controller.stop()


class WorkerProcess:
    """One `reachout worker` process, its output in a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log_path = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "reachout", "worker", *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def sends(self) -> int:
        """What the worker said it sent, as it stopped."""
        last = self.log().strip().splitlines()[-1]
        assert last.startswith("Worker stopped after"), self.log()
        return int(last.split()[3])

    def terminate(self) -> float:
        """SIGTERM, then the seconds it took to exit."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS + 5)
        except subprocess.TimeoutExpired:
            pytest.fail(f"worker {self.pid} ignored SIGTERM:\n{self.log()[-3000:]}")
        return time.monotonic() - started


@pytest.fixture
def spawn_worker(
    db: Database, sink: SlowSink, tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    """Starts worker processes on the test database and sink; kills what is left at the end."""
    started: list[WorkerProcess] = []
    env = {
        **os.environ,
        "REACHOUT_DATABASE_URL": db.settings.database_url,
        "REACHOUT_SMTP_URL": sink.url,
        "REACHOUT_WORKER_POLL_SECONDS": POLL_SECONDS,
        "REACHOUT_POOL_SIZE": "2",
        "PYTHONPATH": os.pathsep.join(
            [str(SOURCE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }

    def spawn(*args: str) -> WorkerProcess:
        worker = WorkerProcess(list(args), env, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield spawn
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(timeout=10)


def due_sends(db: Database, world: World, count: int) -> list[str]:
    """`count` candidates enrolled in a one-email sequence, all due now in an always-open
    sending window: their addresses."""
    with db.unit_of_work() as s:
        team = s.get_one(Team, world.team.id)
        team.sending_days = "mon,tue,wed,thu,fri,sat,sun"
        team.sending_start, team.sending_end = "00:00", "24:00"
        team.daily_send_cap = 1_000_000
        ids = list(
            s.scalars(
                insert(Candidate).returning(Candidate.id, sort_by_parameter_order=True),
                [{"team_id": team.id, "name": f"Person{n} Worker"} for n in range(count)],
            )
        )
        addresses = [f"person{n}@example.org" for n in range(count)]
        s.execute(
            insert(CandidateEmail),
            [
                {"candidate_id": i, "team_id": team.id, "email": a, "email_key": a, "position": 0}
                for i, a in zip(ids, addresses, strict=True)
            ],
        )
        member = s.get_one(User, world.member.id)
        sequence = create_sequence(
            s,
            actor=member,
            data=SequenceCreate(
                name="One email",
                stages=[StageIn(channel=Channel.email, subject="Hello {{first_name}}", body="Hi.")],
            ),
        )
        result = enroll(
            s,
            actor=member,
            sequence_id=sequence.id,
            data=EnrollmentCreate(candidate_ids=ids, start_at=clock.now() - timedelta(hours=1)),
        )
        assert result.enrolled == count, result.skipped[:5]
    return addresses


def statuses(db: Database) -> tuple[Counter[str], Counter[str]]:
    """How many enrollments, and how many sends, are in each status."""
    with db.unit_of_work(write=False) as s:
        enrollments = _counts(s, Enrollment.status)
        sends = _counts(s, SequenceSend.status)
    return enrollments, sends


def _counts(session: Session, column: Any) -> Counter[str]:
    return Counter(
        {value: n for value, n in session.execute(select(column, func.count()).group_by(column))}
    )


def wait_for(
    done: Callable[[], bool],
    *,
    seconds: float,
    what: str,
    workers: list[WorkerProcess],
    db: Database,
    sink: SlowSink,
) -> None:
    """Wait until `done`, or fail saying what is missing, where things stand, and what the
    workers said."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            enrollments, sends = statuses(db)
            logs = "\n".join(f"--- worker {w.pid}:\n{w.log()[-1500:]}" for w in workers)
            pytest.fail(
                f"not {what} within {seconds:.0f} s: enrollments {dict(enrollments)}, sends "
                f"{dict(sends)}, {len(sink.received)} mails received\n{logs}"
            )
        time.sleep(0.2)


def finished(db: Database, count: int) -> Callable[[], bool]:
    return lambda: statuses(db)[0]["finished"] >= count


def sends_by_message_id(db: Database) -> dict[str, SequenceSend]:
    with db.unit_of_work(write=False) as s:
        return {send.message_id: send for send in s.scalars(select(SequenceSend))}


def assert_each_received_once(sink: SlowSink, addresses: list[str]) -> None:
    twice = {m: n for m, n in sink.message_ids().items() if n > 1}
    assert not twice, f"Message-IDs received more than once: {list(twice.items())[:5]}"
    recipients = sink.recipients()
    twice = {r: n for r, n in recipients.items() if n > 1}
    assert not twice, f"recipients who got more than one mail: {list(twice.items())[:5]}"
    missing = sorted(set(addresses) - set(recipients))
    assert not missing, f"{len(missing)} never received a mail: {missing[:5]}"
    assert sorted(recipients) == sorted(addresses)


def test_four_workers_send_each_due_email_exactly_once(
    db: Database, world: World, sink: SlowSink, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    if db.dialect == "sqlite":
        pytest.skip(ONE_WRITER)
    addresses = due_sends(db, world, 2000)
    workers = [spawn_worker() for _ in range(4)]
    wait_for(
        finished(db, len(addresses)),
        seconds=240,
        what=f"{len(addresses)} enrollments finished",
        workers=workers,
        db=db,
        sink=sink,
    )
    for worker in workers:
        assert worker.terminate() < STOP_SECONDS
        assert worker.process.returncode == 0, worker.log()
        # No deadlock, nor any other database error, on the way.
        assert "database error" not in worker.log(), worker.log()

    assert_each_received_once(sink, addresses)
    sends = sends_by_message_id(db)
    assert sorted(sink.message_ids()) == sorted(sends)
    assert {s.status for s in sends.values()} == {"sent"}
    assert statuses(db)[0] == Counter(finished=len(addresses))
    # The workers shared the work (each said how many it sent), and their sum is every mail.
    shares = [w.sends() for w in workers]
    assert sum(shares) == len(addresses)
    assert sum(1 for n in shares if n > 0) >= 2, shares
    with db.unit_of_work(write=False) as s:
        touchpoints = s.execute(
            select(Touchpoint.candidate_id, Touchpoint.channel, Touchpoint.designation).where(
                Touchpoint.team_id == world.team.id, Touchpoint.deleted_at.is_(None)
            )
        ).all()
    per_candidate = Counter(t.candidate_id for t in touchpoints)
    assert len(per_candidate) == len(addresses)
    assert set(per_candidate.values()) == {1}
    assert {(t.channel, t.designation) for t in touchpoints} == {("email", "initial")}


def test_a_worker_killed_mid_conversation_loses_and_repeats_nothing(
    db: Database, world: World, sink: SlowSink, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    if db.dialect == "sqlite":
        pytest.skip(ONE_WRITER)
    addresses = due_sends(db, world, 400)
    sink.delay = 0.01
    workers = [spawn_worker() for _ in range(4)]
    wait_for(
        lambda: len(sink.received) >= 100,
        seconds=120,
        what="100 mails received",
        workers=workers,
        db=db,
        sink=sink,
    )
    # The next mail is kept and its answer held back: its worker, in the middle of its
    # conversation, is killed there.
    sink.hold_next = True
    wait_for(
        lambda: sink.held is not None,
        seconds=30,
        what="a mail held",
        workers=workers,
        db=db,
        sink=sink,
    )
    held = sends_by_message_id(db)[str(sink.held)]
    assert held.status == "sending" and held.claimed_by is not None
    [victim] = [w for w in workers if held.claimed_by.endswith(f":{w.pid}")]
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait(timeout=10)
    sink.released.set()
    survivors = [w for w in workers if w is not victim]
    wait_for(
        finished(db, len(addresses) - 1),
        seconds=180,
        what="the rest finished by the survivors",
        workers=survivors,
        db=db,
        sink=sink,
    )

    # Until its lease ends, the killed worker's send stays `sending`: nobody sends it again.
    time.sleep(3 * float(POLL_SECONDS))
    assert statuses(db)[1]["sending"] == 1
    with db.unit_of_work() as s:
        assert sending.recover(s, at=clock.now() + sending.LEASE + timedelta(seconds=1)) == 1
    for worker in survivors:
        assert worker.terminate() < STOP_SECONDS
        assert worker.process.returncode == 0, worker.log()

    assert_each_received_once(sink, addresses)
    sends = sends_by_message_id(db)
    received = sink.message_ids()
    assert set(received) <= set(sends), "a mail came from nowhere"
    by_enrollment = {send.enrollment_id: send for send in sends.values()}
    with db.unit_of_work(write=False) as s:
        enrollments = list(s.scalars(select(Enrollment)))
    assert len(enrollments) == len(addresses)
    for enrollment in enrollments:
        # Each enrollment is finished with its mail received, or paused with its send shown
        # as unknown and why: none is lost, none is left `sending`.
        send = by_enrollment[enrollment.id]
        if enrollment.status == "finished":
            assert send.status == "sent" and send.message_id in received
            continue
        assert (enrollment.status, send.status) == ("paused", "unknown")
        assert enrollment.next_due_at is None and enrollment.status_reason is not None
        assert "may or may not have been sent" in enrollment.status_reason
        assert str(send.claimed_by or held.claimed_by) in enrollment.status_reason
    # A mail may be received while its send is unknown (the worker died before the answer):
    # only then does the sink have more mails than there are sends `sent`.
    unknown_received = [m for m in received if sends[m].status == "unknown"]
    assert sum(send.status == "sent" for send in sends.values()) == len(received) - len(
        unknown_received
    )
    # Here that is exactly the killed worker's mail.
    assert [m for m, send in sends.items() if send.status != "sent"] == [sink.held]
    assert unknown_received == [sink.held]


@pytest.mark.parametrize("hold", [False, True], ids=["between-mails", "mid-conversation"])
def test_sigterm_stops_a_busy_worker_within_20_seconds(
    db: Database,
    world: World,
    sink: SlowSink,
    spawn_worker: Callable[..., WorkerProcess],
    hold: bool,
) -> None:
    due_sends(db, world, 200)
    sink.delay = 0.05
    worker = spawn_worker()
    wait_for(
        lambda: len(sink.received) >= 5,
        seconds=60,
        what="5 mails sent",
        workers=[worker],
        db=db,
        sink=sink,
    )
    if hold:
        # SIGTERM while the server sits on a mail for a few seconds: the worker ends that
        # conversation (its mail is sent, not unknown), then stops.
        sink.hold_next = True
        wait_for(
            lambda: sink.held is not None,
            seconds=30,
            what="a mail held",
            workers=[worker],
            db=db,
            sink=sink,
        )
        threading.Timer(3, sink.released.set).start()
    seconds = worker.terminate()
    assert seconds < STOP_SECONDS, worker.log()
    assert worker.process.returncode == 0, worker.log()
    assert "Worker stopped after" in worker.log()

    enrollments, sends = statuses(db)
    assert sends["sending"] == 0
    assert set(sends) == {"sent"}
    assert sends["sent"] == len(sink.received) == worker.sends() < 200
    # What it did not send is still due, for the next worker.
    assert enrollments == Counter(finished=sends["sent"], active=200 - sends["sent"])
    if hold:
        assert seconds >= 2.5
        assert sink.held in sink.message_ids()


def test_worker_once_sends_what_is_due(
    db: Database, world: World, sink: SlowSink, spawn_worker: Callable[..., WorkerProcess]
) -> None:
    addresses = due_sends(db, world, 5)
    worker = spawn_worker("--once")
    try:
        worker.process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`reachout worker --once` did not exit:\n{worker.log()}")
    assert worker.process.returncode == 0, worker.log()
    assert "5 due sends handled." in worker.log()
    assert_each_received_once(sink, addresses)
    assert statuses(db) == (Counter(finished=5), Counter(sent=5))
