"""The sequences worker (SPEC §9): sends due email stages, one at a time, until told to stop.

Any number may run, in any processes on any hosts (PostgreSQL), or in the server's process
(`reachout serve` runs one in a thread unless --no-worker). Each send is claimed in its own
transaction just before its SMTP conversation, so a worker holds at most one claim: on SIGTERM
it finishes the conversation it is in (bounded by the SMTP timeout) and stops.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import OperationalError

from reachout.config import Settings
from reachout.db import Database
from reachout.kit import time as clock
from reachout.mailbox import poller
from reachout.observability import metrics
from reachout.sequences import sending
from reachout.sequences.mail import Mailer, SmtpConfig

log = logging.getLogger("reachout.worker")

# Sends a worker makes before it looks again for stale claims and its idle wait.
BATCH = 200
# How long a stopping worker is given to end its SMTP conversation (SPEC §9: 20 s).
STOP_SECONDS = 20.0


class Worker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        name: str | None = None,
        stop: threading.Event | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.name = name or sending.worker_name()
        self.stop = stop or threading.Event()
        self._now = now or (lambda: clock.now())
        self.mailer = (
            Mailer(SmtpConfig.from_url(settings.smtp_url, timeout=settings.smtp_timeout_seconds))
            if settings.smtp_url
            else None
        )
        self.sent = 0

    def run(self) -> None:
        """Work until `stop` is set."""
        if self.mailer is None:
            log.warning("REACHOUT_SMTP_URL is not set: the worker sends no email")
        log.info("worker %s started", self.name)
        try:
            while not self.stop.is_set():
                if self._run_once_or_wait() == 0:
                    self.stop.wait(self.settings.worker_poll_seconds)
        finally:
            if self.mailer is not None:
                self.mailer.close()
            log.info("worker %s stopped after %d sends", self.name, self.sent)

    def _run_once_or_wait(self) -> int:
        try:
            return self.run_once()
        except OperationalError as error:
            # The database went away, or chose this transaction as a deadlock victim: it was
            # rolled back. A send handed to SMTP whose outcome could not be recorded stays
            # `sending` (not due) until `recover` shows it as unknown; nothing goes twice.
            log.error("worker %s: database error, trying again: %s", self.name, error)
            return 0

    def run_once(self, limit: int = BATCH) -> int:
        """Read the mailboxes that are due, recover stale claims, then send what is due, up to
        `limit`: how many sends were handled. Mailboxes first: a reply that has arrived stops
        its enrollment before the next stage can go."""
        poller.poll_due(self.db, self.settings, worker=self.name, at=self._now())
        with self.db.unit_of_work() as session:
            recovered = sending.recover(session, at=self._now())
        if recovered:
            log.warning("%d sends of stopped workers have an unknown outcome", recovered)
        if self.mailer is None:
            return 0
        handled = 0
        while handled < limit and not self.stop.is_set():
            if not self._one():
                break
            handled += 1
        return handled

    def _one(self) -> bool:
        assert self.mailer is not None
        with self.db.unit_of_work() as session:
            due, claimed = sending.claim(session, worker=self.name, at=self._now())
        if claimed is None:
            return due
        delivery = self.mailer.send(claimed.letter)
        with self.db.unit_of_work() as session:
            sending.record(session, send_id=claimed.send_id, delivery=delivery, at=self._now())
        metrics.count_send(delivery.outcome)
        if delivery.outcome == "sent":
            self.sent += 1
        else:
            log.warning("send %d: %s (%s)", claimed.send_id, delivery.outcome, delivery.detail)
        return True


def start_in_thread(db: Database, settings: Settings) -> tuple[threading.Thread, Worker]:
    """A worker in a daemon thread of this process (the server's)."""
    worker = Worker(db, settings)
    thread = threading.Thread(target=worker.run, name="reachout-worker", daemon=True)
    thread.start()
    return thread, worker
