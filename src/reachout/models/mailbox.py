"""Mailboxes (SPEC §10): each user's IMAP inbox, read by the workers for replies, auto-replies
and bounces to what sequences sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from reachout.models.base import Base, UTCDateTime, utcnow


class Mailbox(Base):
    __tablename__ = "mailbox"
    __table_args__ = (
        CheckConstraint("tls IN ('tls', 'starttls', 'none')", name="tls"),
        CheckConstraint("status IN ('pending', 'ok', 'error')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    # One mailbox per user.
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    tls: Mapped[str] = mapped_column(String(16), default="tls")
    username: Mapped[str] = mapped_column(String(320))
    # Fernet token of the password, keyed from the instance's secret (mailbox/secrets.py).
    password_encrypted: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Messages that arrived before this are not read.
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where reading stopped: the INBOX's UIDVALIDITY and the highest UID read under it.
    # IMAP's are unsigned 32-bit numbers: more than an INTEGER holds.
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_uid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # A worker polling it now (host:pid) and since when: the others leave it alone meanwhile.
    polling_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    polling_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailboxMessage(Base):
    """A message read from a mailbox, once: its key is its Message-ID (UIDVALIDITY/UID when it
    has none), unique in the team, so a copy, a restart or a second worker does nothing."""

    __tablename__ = "mailbox_message"
    __table_args__ = (
        UniqueConstraint("team_id", "message_key"),
        CheckConstraint(
            "outcome IN ('reply', 'auto_reply', 'bounce', 'unmatched')", name="outcome"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"))
    message_key: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str | None] = mapped_column(String(320), nullable=True)
    subject: Mapped[str | None] = mapped_column(Text, nullable=True)
    enrollment_id: Mapped[int | None] = mapped_column(nullable=True)
    candidate_id: Mapped[int | None] = mapped_column(nullable=True)
    # Indexed: the timeline looks up why a reply's status was suggested.
    touchpoint_id: Mapped[int | None] = mapped_column(nullable=True, index=True)
    # The words that decided the suggested reply status (a reply).
    suggested_because: Mapped[str | None] = mapped_column(Text, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
