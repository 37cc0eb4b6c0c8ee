"""Shared steps for the mailbox tests that start after the reading: a connected mailbox, and a
reply read from it as intake writes one (a suggested status, the words that decided it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from reachout.config import Settings
from reachout.mailbox import service
from reachout.mailbox.schemas import MailboxUpdate, Tls
from reachout.models import Mailbox, MailboxMessage, Touchpoint, User
from reachout.models.enums import Channel, Kind, ReplyStatus, Source
from reachout.touchpoints import service as touchpoints
from reachout.touchpoints.schemas import TouchpointCreate


def connect(
    session: Session,
    settings: Settings,
    user: User,
    *,
    host: str = "imap.example.com",
    port: int = 993,
    password: str = "app-password-123",
) -> Mailbox:
    data = MailboxUpdate(host=host, port=port, tls=Tls.tls, username=user.email, password=password)
    return service.connect_mailbox(session, actor=user, settings=settings, data=data)


def mailbox_reply(
    session: Session,
    settings: Settings,
    user: User,
    *,
    candidate_id: int,
    text: str,
    status: ReplyStatus | None,
    because: list[str],
    at: datetime,
) -> Touchpoint:
    """A reply read from `user`'s mailbox (connected first if it is not)."""
    mailbox = service.find_mailbox(session, actor=user) or connect(session, settings, user)
    touchpoint = touchpoints.log_touchpoint(
        session,
        actor=user,
        data=TouchpointCreate(
            candidate_id=candidate_id,
            kind=Kind.reply,
            channel=Channel.email,
            reply_status=status,
            note=text,
            occurred_at=at,
        ),
        source=Source.mailbox,
        suggested=True,
    )
    session.add(
        MailboxMessage(
            team_id=user.team_id,
            mailbox_id=mailbox.id,
            message_key=f"<reply-{touchpoint.id}@example.org>",
            outcome="reply",
            candidate_id=candidate_id,
            touchpoint_id=touchpoint.id,
            suggested_because=", ".join(because) or None,
            received_at=at,
        )
    )
    session.flush()
    return touchpoint
