from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reachout.models.base import Base, UTCDateTime, utcnow


class Candidate(Base):
    __tablename__ = "candidate"
    __table_args__ = (
        UniqueConstraint("team_id", "linkedin_key"),
        Index("ix_candidate_team_id_name", "team_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    linkedin_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Normalized LinkedIn URL (host and trailing slash dropped, lower case): the uniqueness key.
    linkedin_key: Mapped[str | None] = mapped_column(String(500), nullable=True)
    title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    company: Mapped[str | None] = mapped_column(String(200), nullable=True)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    emails: Mapped[list[CandidateEmail]] = relationship(
        order_by="CandidateEmail.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class CandidateEmail(Base):
    __tablename__ = "candidate_email"
    __table_args__ = (UniqueConstraint("team_id", "email_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidate.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    # Lower-cased and trimmed: the uniqueness key within a team.
    email_key: Mapped[str] = mapped_column(String(320))
    # 0 is the primary address.
    position: Mapped[int] = mapped_column(Integer, default=0)
    # When mail to it bounced (SPEC §10): sequences no longer send to it.
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
