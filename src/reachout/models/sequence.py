"""Sequences (SPEC §9): automated multi-stage outreach. Email stages are sent by workers
(`reachout.sequences.worker`), manual stages become tasks; each send and each task done is a
touchpoint of the ledger, written through the touchpoint service like any other."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reachout.models.base import Base, UTCDateTime, utcnow

# An enrollment still to act on: the stop rules and the worker read only these.
OPEN_STATUSES = ("active", "paused")


class Sequence(Base):
    __tablename__ = "sequence"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    stages: Mapped[list[SequenceStage]] = relationship(
        order_by="SequenceStage.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class SequenceStage(Base):
    __tablename__ = "sequence_stage"
    __table_args__ = (
        UniqueConstraint("sequence_id", "position"),
        CheckConstraint("channel IN ('email', 'inmail', 'text', 'call')", name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequence.id", ondelete="CASCADE"))
    # 1-based.
    position: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    delay_days: Mapped[int] = mapped_column(Integer, default=0)
    business_days: Mapped[bool] = mapped_column(Boolean, default=False)
    subject: Mapped[str | None] = mapped_column(String(998), nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    instructions: Mapped[str | None] = mapped_column(Text, nullable=True)


class Enrollment(Base):
    """One candidate in one sequence, sent by one team member."""

    __tablename__ = "enrollment"
    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'paused', 'finished', 'replied', 'bounced', 'stopped', 'failed')",
            name="status",
        ),
        # What the worker claims: active enrollments whose next stage is due.
        Index(
            "ix_enrollment_due",
            "next_due_at",
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        # What the stop rules and enrollment check read: a candidate's open enrollments.
        Index("ix_enrollment_candidate_status", "candidate_id", "status"),
        # A candidate is in at most one sequence at a time (SPEC §9 `already_active`): two
        # enrollments racing for one candidate cannot both commit.
        Index(
            "uq_enrollment_open_candidate",
            "candidate_id",
            unique=True,
            postgresql_where=text("status IN ('active', 'paused')"),
            sqlite_where=text("status IN ('active', 'paused')"),
        ),
        Index("ix_enrollment_sequence_status", "sequence_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequence.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    # The enrolling user: credited with the touchpoints.
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    # Who the mail is from and whose tasks they are; on behalf of when not user_id.
    sender_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    # The project the candidate was enrolled from: the touchpoints' project.
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The stage to act on next (1-based) and when; null when nothing is pending.
    next_stage: Mapped[int | None] = mapped_column(Integer, nullable=True)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the latest stage was sent or done (the start before any): delays count from it.
    last_step_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set while the next stage cannot go (a token without a value, the daily cap): why.
    held_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    auto_replies: Mapped[int] = mapped_column(Integer, default=0)
    last_auto_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SequenceSend(Base):
    """One email stage of one enrollment: made at most once (the unique key).

    `sending` is written, with the Message-ID, before SMTP is called, and the outcome after:
    a send left `sending` by a worker that died is shown as `unknown`, never repeated blindly.
    """

    __tablename__ = "sequence_send"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "stage"),
        UniqueConstraint("message_id"),
        CheckConstraint(
            "status IN ('sending', 'sent', 'retrying', 'failed', 'unknown')", name="status"
        ),
        # The per-sender daily cap counts a sender's sends of one day.
        Index("ix_sequence_send_sender_claimed", "sender_user_id", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    stage: Mapped[int] = mapped_column(Integer)
    sender_user_id: Mapped[int] = mapped_column()
    message_id: Mapped[str] = mapped_column(String(255))
    in_reply_to: Mapped[str | None] = mapped_column(String(255), nullable=True)
    references: Mapped[str | None] = mapped_column(Text, nullable=True)
    from_address: Mapped[str] = mapped_column(String(320))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The worker that is sending it (host:pid), while `sending`.
    claimed_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    touchpoint_id: Mapped[int | None] = mapped_column(nullable=True)


class SequenceTask(Base):
    """A manual stage due for the sender; doing it logs the touchpoint."""

    __tablename__ = "sequence_task"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "stage"),
        CheckConstraint("status IN ('open', 'done', 'skipped', 'cancelled')", name="status"),
        Index("ix_sequence_task_user_open", "user_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"))
    sequence_id: Mapped[int] = mapped_column()
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    stage: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    instructions: Mapped[str | None] = mapped_column(Text, nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The sender: whose task it is.
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    touchpoint_id: Mapped[int | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
