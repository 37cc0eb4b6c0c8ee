from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reachout.models.base import Base, UTCDateTime, only_on

# Room left on each page of the thread table (PostgreSQL): an update of a thread's counters
# goes in place when its page has room.
FILLFACTOR = 85

# What the cohort view filters and groups threads by, and what it sums.
COHORT_KEY = (
    "team_id",
    "start_day",
    "start_week",
    "channel",
    "user_id",
    "project_id",
    "candidate_id",
)
COUNTERS = ("follow_ups", "outreach_before_reply", "latest_reply_status", "reply_micros")
# What the views by sequence group by (SPEC §9).
SEQUENCE = ("sequence_id", "sequence_stage")


class Thread(Base):
    """One outreach thread (SPEC §3), kept up to date with every write to its candidate's history.

    A derived table: the cohort view reads it instead of walking the touchpoint ledger, and
    `reachout.projection.threads` rebuilds a candidate's rows in the transaction that changes them.
    """

    __tablename__ = "thread"
    __table_args__ = (
        # The cohort view reads one period of one team, filtered and grouped by COHORT_KEY,
        # summing COUNTERS. SQLite: every column it reads is in the index, so it never reads
        # the table: the cohort view stays fast on SQLite at the price of an index update with
        # each counter change, a trade PostgreSQL makes the other way (below).
        # The sequence columns close it, so that the views by sequence read no table either.
        only_on("sqlite", Index("ix_thread_team_start", *COHORT_KEY, *COUNTERS, *SEQUENCE)),
        # PostgreSQL: the counters a log changes are left out, so that their update touches no
        # index: PostgreSQL makes it in place (a HOT update) when the row's page has room,
        # which the fillfactor keeps. With them in, each follow-up of a bulk would rewrite every
        # index entry of its thread. The cohort view reads each thread's row instead, which
        # costs it less than those rewrites cost a bulk.
        only_on("postgresql", Index("ix_thread_team_period", *COHORT_KEY)),
        # A candidate's threads in order: where a rebuild after a change starts.
        Index("ix_thread_candidate_start", "candidate_id", "started_at", "id"),
        {"postgresql_with": {"fillfactor": FILLFACTOR}},
    )

    # The id of the thread's initial touchpoint.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    team_id: Mapped[int] = mapped_column()
    candidate_id: Mapped[int] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The initial's date in the team's time zone.
    start_day: Mapped[date] = mapped_column(Date)
    # The Monday of start_day's ISO week: the key of group_by=week.
    start_week: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column()
    project_id: Mapped[int | None] = mapped_column(nullable=True)
    # The sequence and stage that made the initial (SPEC §9), null outside sequences. Not in
    # COHORT_KEY: only the views by sequence read them, and every other one keeps its index.
    sequence_id: Mapped[int | None] = mapped_column(nullable=True)
    sequence_stage: Mapped[int | None] = mapped_column(Integer, nullable=True)
    follow_ups: Mapped[int] = mapped_column(Integer)
    # Outreach touchpoints (the initial included) before the first reply; all of them if none.
    outreach_before_reply: Mapped[int] = mapped_column(Integer)
    first_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Microseconds from started_at to first_reply_at (null if no reply): the time to reply the
    # median is taken over, ready to read.
    reply_micros: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The latest reply's status; "none" for a reply logged without one; null if no reply.
    latest_reply_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
