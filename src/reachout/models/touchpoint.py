from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from reachout.models.base import Base, UTCDateTime, utcnow


class Batch(Base):
    """The touchpoints written by one bulk action, undone as a whole."""

    __tablename__ = "batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created: Mapped[int] = mapped_column(Integer, default=0)
    initial: Mapped[int] = mapped_column(Integer, default=0)
    follow_up: Mapped[int] = mapped_column(Integer, default=0)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), nullable=True)


class Touchpoint(Base):
    __tablename__ = "touchpoint"
    __table_args__ = (
        CheckConstraint("kind IN ('outreach', 'reply')", name="kind"),
        CheckConstraint("channel IN ('email', 'inmail', 'text', 'call')", name="channel"),
        CheckConstraint(
            "(kind = 'outreach' AND designation IN ('initial', 'follow_up')"
            " AND reply_status IS NULL)"
            " OR (kind = 'reply' AND designation IS NULL AND designation_mode IS NULL)",
            name="kind_fields",
        ),
        # A candidate's live history in order: what Auto resolution and threads walk. Deleted
        # touchpoints take part in nothing (SPEC §2), so they are left out: otherwise a walk
        # back from a history's end steps through every row that bulk undos left deleted there,
        # for each candidate of a bulk. A query uses it only if it says deleted_at IS NULL.
        Index(
            "ix_touchpoint_candidate_live",
            "candidate_id",
            "occurred_at",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        Index("ix_touchpoint_team_occurred", "team_id", "occurred_at"),
        Index("ix_touchpoint_batch_id", "batch_id"),
    )

    # Only candidate_id and project_id are foreign keys. The team, user and batch columns are
    # checked by the service (a team's users and batches are never deleted, and team_id is the
    # candidate's), and each foreign key costs PostgreSQL a lookup per inserted row, which a
    # bulk insert pays once per candidate (figures: docs/performance.md).
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column()
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    designation: Mapped[str | None] = mapped_column(String(16), nullable=True)
    designation_mode: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reply_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # occurred_at's date in the team's time zone, written with it: the activity view's key.
    local_day: Mapped[date] = mapped_column(Date)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="SET NULL"), nullable=True, index=True
    )
    user_id: Mapped[int] = mapped_column()
    on_behalf_of_user_id: Mapped[int | None] = mapped_column(nullable=True)
    created_by_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    batch_id: Mapped[int | None] = mapped_column(nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    # The sequence and its stage (1-based) that made it (SPEC §9); null outside sequences.
    sequence_id: Mapped[int | None] = mapped_column(nullable=True)
    sequence_stage: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A reply read from a mailbox (SPEC §10): its status is Reachout's suggestion until a user
    # sets it.
    reply_status_suggested: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
