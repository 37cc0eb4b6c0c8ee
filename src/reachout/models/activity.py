from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reachout.models.base import Base

# The project_key of touchpoints logged without a project (ids start at 1), and the
# sequence_key and stage_key of touchpoints made outside sequences.
NO_PROJECT_KEY = 0
NO_SEQUENCE_KEY = 0
NO_STAGE_KEY = 0


class ActivityDay(Base):
    """What a team did on one day, per channel, user, project and sequence stage: the activity
    view's counts.

    A derived table, like `thread`: `reachout.projection` adds the change in counts of every
    write to the touchpoint ledger in the same transaction, so the activity view sums a few rows
    per day instead of counting the period's touchpoints: these rows grow with the days and the
    groups, not with the ledger. Rows are never deleted when their counts fall to zero; the view
    leaves such groups out.
    """

    __tablename__ = "activity_day"
    # SQLite keeps the rows in primary key order, so a period is one range of the table.
    __table_args__ = {"sqlite_with_rowid": False}

    team_id: Mapped[int] = mapped_column(primary_key=True)
    local_day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    # The project id, or NO_PROJECT_KEY: a primary key column cannot be null.
    project_key: Mapped[int] = mapped_column(primary_key=True)
    # The sequence id and its stage (SPEC §9), or NO_SEQUENCE_KEY and NO_STAGE_KEY.
    sequence_key: Mapped[int] = mapped_column(primary_key=True)
    stage_key: Mapped[int] = mapped_column(primary_key=True)
    outreach: Mapped[int] = mapped_column(Integer)
    initial: Mapped[int] = mapped_column(Integer)
    follow_up: Mapped[int] = mapped_column(Integer)
    replies: Mapped[int] = mapped_column(Integer)
    interested: Mapped[int] = mapped_column(Integer)
    not_interested: Mapped[int] = mapped_column(Integer)
    later: Mapped[int] = mapped_column(Integer)
