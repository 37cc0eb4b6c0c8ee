from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from reachout.models.base import Base, UTCDateTime, utcnow


class SignInFailure(Base):
    """One refused sign-in: what the limit on failed sign-ins counts.

    Kept in the database, not in process memory, so that the limit holds across every server
    process and host (SPEC §5). Rows older than the counting window are pruned as new ones come.
    """

    __tablename__ = "sign_in_failure"
    __table_args__ = (
        Index("ix_sign_in_failure_email_key_failed_at", "email_key", "failed_at"),
        Index("ix_sign_in_failure_ip_failed_at", "ip", "failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The email as typed, trimmed and lower-cased (it need not belong to any user).
    email_key: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
