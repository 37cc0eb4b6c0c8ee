"""A user's mailbox settings (SPEC §10): connect, read back, test and remove."""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from reachout import audit
from reachout.config import Settings
from reachout.errors import Invalid, NotFound
from reachout.kit import time as clock
from reachout.mailbox import imap, repository, secrets
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
    encrypted = _password_token(session, settings, mailbox, data)
    if mailbox is None:
        mailbox = Mailbox(team_id=actor.team_id, user_id=actor.id, password_encrypted=encrypted)
        session.add(mailbox)
    server_changed = (mailbox.host, mailbox.port, mailbox.username) != (
        data.host,
        data.port,
        data.username,
    )
    if server_changed or (mailbox.tls, mailbox.password_encrypted) != (data.tls, encrypted):
        # Read with other settings from now on: how the last reading went no longer tells.
        mailbox.status = "pending"
        mailbox.last_error = None
    mailbox.host = data.host
    mailbox.port = data.port
    mailbox.tls = data.tls.value
    mailbox.username = data.username
    mailbox.password_encrypted = encrypted
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


def _password_token(
    session: Session, settings: Settings, mailbox: Mailbox | None, data: MailboxUpdate
) -> str:
    """The password to store: the one given, encrypted, or, left out, the one stored, but
    only for the same server, account and security. Kept for another, it would be sent where
    its owner never typed it (or in clear): a signed-in session alone must not move it."""
    if data.password is not None:
        return secrets.encrypt(session, settings, data.password)
    if mailbox is None:
        raise Invalid.on("password", "enter the mailbox's password (an app password)")
    same = (mailbox.host, mailbox.port, mailbox.tls, mailbox.username) == (
        data.host,
        data.port,
        data.tls.value,
        data.username,
    )
    if not same:
        raise Invalid.on(
            "password", "enter the password again for another server, account or security"
        )
    return mailbox.password_encrypted


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


def check_mailbox(
    session: Session,
    *,
    actor: User,
    settings: Settings,
    before_login: Callable[[], object] | None = None,
) -> MailboxTest:
    """Log in now and say how it went; the outcome is also the mailbox's status, unless its
    settings changed meanwhile. `before_login` runs just before the login, which may wait for
    the server's timeout: an edge ends its transaction there, so that no lock (SQLite's one
    writer) is held while another server is waited for."""
    mailbox = get_mailbox(session, actor=actor)
    tried = [
        getattr(Mailbox, name) == getattr(mailbox, name)
        for name in ("host", "port", "tls", "username", "password_encrypted")
    ]
    try:
        server = server_of(session, settings, mailbox)
        if before_login is not None:
            before_login()
        result = MailboxTest(ok=True, detail=imap.check(server))
    except (imap.MailboxUnavailable, secrets.SecretError) as failure:
        result = MailboxTest(ok=False, detail=str(failure))
    session.execute(
        update(Mailbox)
        .where(Mailbox.id == mailbox.id, *tried)
        .values(
            status="ok" if result.ok else "error", last_error=None if result.ok else result.detail
        )
    )
    return result


def suggestion_words(
    session: Session, *, actor: User, touchpoint_ids: Collection[int]
) -> dict[int, list[str]]:
    """Why each of these replies read from a mailbox got its suggested status: the words of its
    text that decided it, by touchpoint id."""
    found = repository.suggested_because(
        session, team_id=actor.team_id, touchpoint_ids=touchpoint_ids
    )
    # Stored as intake wrote them: the phrases joined with ", ".
    return {touchpoint_id: words.split(", ") for touchpoint_id, words in found.items()}
