from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reachout.models.base import Base, UTCDateTime, utcnow


class Team(Base):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Off when null: an auto outreach after a silence of more than N days starts a new thread.
    reengage_after_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Sequences (SPEC §9): email goes out only on these days (mon … sun) between these local
    # times ("HH:MM", end may be "24:00"), never on a holiday, at most daily_send_cap per sender.
    sending_days: Mapped[str] = mapped_column(String(32), default="mon,tue,wed,thu,fri")
    sending_start: Mapped[str] = mapped_column(String(5), default="08:00")
    sending_end: Mapped[str] = mapped_column(String(5), default="18:00")
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)
    daily_send_cap: Mapped[int] = mapped_column(Integer, default=200)


class InstanceSetting(Base):
    """Process-independent settings generated on first run (the session secret)."""

    __tablename__ = "instance_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(512))
