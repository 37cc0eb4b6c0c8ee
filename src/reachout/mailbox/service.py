"""A user's mailbox settings (SPEC §10): connect, read back, test and remove."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout import audit
from reachout.config import Settings
from reachout.errors import NotFound
from reachout.kit import time as clock
from reachout.mailbox import imap, secrets
from reachout.mailbox.schemas import MailboxTest, MailboxUpdate
from reachout.models import Mailbox, User


def get_mailbox(session: Session, *, actor: User) -> Mailbox:
    mailbox = session.scalar(select(Mailbox).where(Mailbox.user_id == actor.id))
    if mailbox is None:
        raise NotFound("you have not connected a mailbox")
    return mailbox


def find_mailbox(session: Session, *, actor: User) -> Mailbox | None:
    return session.scalar(select(Mailbox).where(Mailbox.user_id == actor.id))


def _public(mailbox: Mailbox) -> dict[str, object]:
    """What the audit log keeps: never the password."""
    snapshot = audit.snapshot(mailbox)
    snapshot.pop("password_encrypted", None)
    return snapshot


def connect_mailbox(
    session: Session, *, actor: User, settings: Settings, data: MailboxUpdate
) -> Mailbox:
    """Save the settings: reading starts with the messages that arrive from now on."""
    mailbox = find_mailbox(session, actor=actor)
    before = _public(mailbox) if mailbox else None
    # Encrypted first: reading the instance secret may flush the session.
    encrypted = secrets.encrypt(session, settings, data.password)
    if mailbox is None:
        mailbox = Mailbox(team_id=actor.team_id, user_id=actor.id, password_encrypted=encrypted)
        session.add(mailbox)
    server_changed = (mailbox.host, mailbox.port, mailbox.username) != (
        data.host,
        data.port,
        data.username,
    )
    mailbox.host = data.host
    mailbox.port = data.port
    mailbox.tls = data.tls.value
    mailbox.username = data.username
    mailbox.password_encrypted = encrypted
    mailbox.status = "pending"
    mailbox.last_error = None
    if server_changed:
        # Another mailbox: it is read from now on, from its start.
        mailbox.connected_at = clock.now()
        mailbox.uidvalidity = None
        mailbox.last_uid = None
    session.flush()
    audit.record(
        session,
        actor=actor,
        team_id=actor.team_id,
        action="update" if before else "create",
        entity_type="mailbox",
        entity_id=mailbox.id,
        before=before,
        after=_public(mailbox),
    )
    return mailbox


def delete_mailbox(session: Session, *, actor: User) -> None:
    mailbox = get_mailbox(session, actor=actor)
    before = _public(mailbox)
    session.delete(mailbox)
    audit.record(
        session,
        actor=actor,
        team_id=actor.team_id,
        action="delete",
        entity_type="mailbox",
        entity_id=mailbox.id,
        before=before,
    )


def server_of(session: Session, settings: Settings, mailbox: Mailbox) -> imap.Server:
    return imap.Server(
        host=mailbox.host,
        port=mailbox.port,
        tls=mailbox.tls,
        username=mailbox.username,
        password=secrets.decrypt(session, settings, mailbox.password_encrypted),
    )


def check_mailbox(session: Session, *, actor: User, settings: Settings) -> MailboxTest:
    """Log in now and say how it went; the outcome is also the mailbox's status."""
    mailbox = get_mailbox(session, actor=actor)
    try:
        detail = imap.check(server_of(session, settings, mailbox))
    except (imap.MailboxUnavailable, secrets.SecretError) as error:
        mailbox.status, mailbox.last_error = "error", str(error)
        return MailboxTest(ok=False, detail=str(error))
    mailbox.status, mailbox.last_error = "ok", None
    return MailboxTest(ok=True, detail=detail)
