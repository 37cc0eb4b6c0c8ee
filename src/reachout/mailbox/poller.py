"""Polling mailboxes from the workers (SPEC §10).

A worker takes a mailbox that is due (not polled for `REACHOUT_MAILBOX_POLL_SECONDS`) by setting
its `polling_by` in one conditional UPDATE, so two workers do not read one mailbox at once; a
claim older than `LEASE` belonged to a worker that died and is taken over. It reads the INBOX
read-only, and takes each new message in a transaction of its own (`intake.take`), then moves
the mailbox's `last_uid` past it: a worker killed in between reads that message again, and its
key, recorded with what it did, makes the second reading do nothing. A mailbox that cannot be
read is marked `error` with the reason, for the Settings page and the log; its `last_uid` stays,
so nothing is lost: the messages are read once it answers again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from reachout.config import Settings
from reachout.db import Database
from reachout.mailbox import imap, intake, messages, secrets
from reachout.mailbox.service import server_of
from reachout.models import Mailbox

log = logging.getLogger("reachout.mailbox")

LEASE = timedelta(minutes=5)


def due_mailboxes(session: Session, *, at: datetime, every: timedelta) -> list[int]:
    return list(
        session.scalars(
            select(Mailbox.id)
            .where(or_(Mailbox.last_polled_at.is_(None), Mailbox.last_polled_at <= at - every))
            .where(or_(Mailbox.polling_by.is_(None), Mailbox.polling_since < at - LEASE))
            .order_by(Mailbox.last_polled_at.nulls_first(), Mailbox.id)
        )
    )


def _take_mailbox(session: Session, mailbox_id: int, *, worker: str, at: datetime) -> bool:
    taken = session.execute(
        update(Mailbox)
        .where(
            Mailbox.id == mailbox_id,
            or_(Mailbox.polling_by.is_(None), Mailbox.polling_since < at - LEASE),
        )
        .values(polling_by=worker, polling_since=at)
        .execution_options(synchronize_session=False)
    )
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def poll_due(db: Database, settings: Settings, *, worker: str, at: datetime) -> int:
    """Poll every mailbox that is due: the messages taken."""
    every = timedelta(seconds=settings.mailbox_poll_seconds)
    with db.unit_of_work() as session:
        ids = due_mailboxes(session, at=at, every=every)
    taken = 0
    for mailbox_id in ids:
        with db.unit_of_work() as session:
            if not _take_mailbox(session, mailbox_id, worker=worker, at=at):
                continue
        taken += poll(db, settings, mailbox_id=mailbox_id, at=at)
    return taken


def poll(db: Database, settings: Settings, *, mailbox_id: int, at: datetime) -> int:
    """Read one mailbox's new messages (it is claimed by the caller); the messages taken."""
    status, error, taken = "ok", None, 0
    try:
        with db.unit_of_work() as session:
            mailbox = session.get(Mailbox, mailbox_id)
            if mailbox is None:
                return 0
            server = server_of(session, settings, mailbox)
            after, since, known = mailbox.last_uid, mailbox.connected_at, mailbox.uidvalidity
        with imap.inbox(server) as (client, uidvalidity):
            if known is not None and uidvalidity != known:
                # The INBOX was rebuilt: its UIDs start again. Read it again since the mailbox
                # was connected; the messages' keys make those read before do nothing.
                after = None
            fetched = imap.new_messages(client, after_uid=after, since=since)
        for item in fetched:
            taken += _take(db, mailbox_id, item, uidvalidity)
    except (imap.MailboxUnavailable, secrets.SecretError) as failure:
        status, error = "error", str(failure)
        log.warning("mailbox %d: %s", mailbox_id, error)
    finally:
        with db.unit_of_work() as session:
            session.execute(
                update(Mailbox)
                .where(Mailbox.id == mailbox_id)
                .values(
                    status=status,
                    last_error=error,
                    last_polled_at=at,
                    polling_by=None,
                    polling_since=None,
                )
                .execution_options(synchronize_session=False)
            )
    return taken


def _take(db: Database, mailbox_id: int, item: imap.Fetched, uidvalidity: int) -> int:
    message = messages.parse(item.raw)
    with db.unit_of_work() as session:
        mailbox = session.get(Mailbox, mailbox_id)
        assert mailbox is not None
        arrival = intake.Arrival(mailbox, uidvalidity, item.uid, item.arrived_at)
        outcome = intake.take(session, message, arrival)
        if mailbox.uidvalidity == uidvalidity:
            mailbox.last_uid = max(mailbox.last_uid or 0, item.uid)
        else:
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, item.uid
    if outcome is not None:
        log.info("mailbox %d: message %d is %s", mailbox_id, item.uid, outcome)
    return 0 if outcome is None else 1
