from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from reachout.models.base import Base, UTCDateTime, utcnow


class StoredSession(Base):
    """A signed-in web session, kept in the database so that it can be ended.

    A signed cookie alone cannot be taken back: a copy of it stays valid until it expires,
    whatever its owner does. With the session here, sign-out, a password change or a removed
    user ends it for every server process at once (SPEC §5: no state in process memory). The
    cookie carries a random secret; only its SHA-256 is stored (as for API tokens), so that a
    read of this table signs nobody in.
    """

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
