"""thread: the start's week and the time to reply, stored for the cohort view; threads by start

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

The cohort view computed both per thread and per request (the week's Monday for group_by=week,
and the microseconds from the initial to the first reply for the median). They are now stored
when a thread is rebuilt, and the covering index carries them instead of the two timestamps.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INDEX = [
    "team_id",
    "start_day",
    "channel",
    "user_id",
    "project_id",
    "candidate_id",
    "started_at",
    "first_reply_at",
    "follow_ups",
    "outreach_before_reply",
    "latest_reply_status",
]
NEW_INDEX = [
    "team_id",
    "start_day",
    "start_week",
    "channel",
    "user_id",
    "project_id",
    "candidate_id",
    "follow_ups",
    "outreach_before_reply",
    "latest_reply_status",
    "reply_micros",
]

# The same values as reachout.kit.sql's monday_of and micros_between, written out so that this
# revision keeps meaning what it meant when the code moves on.
BACKFILL = {
    "postgresql": (
        "UPDATE thread SET"
        " start_week = start_day - (CAST(EXTRACT(ISODOW FROM start_day) AS INTEGER) - 1),"
        " reply_micros = CAST(EXTRACT(EPOCH FROM (first_reply_at - started_at)) * 1000000"
        " AS BIGINT)"
    ),
    "sqlite": (
        "UPDATE thread SET"
        " start_week = date(start_day, '-' || ((CAST(strftime('%w', start_day) AS INTEGER) + 6)"
        " % 7) || ' days'),"
        " reply_micros = (strftime('%s', substr(first_reply_at, 1, 19))"
        " - strftime('%s', substr(started_at, 1, 19))) * 1000000"
        " + (CAST(substr(first_reply_at, 21) AS INTEGER) - CAST(substr(started_at, 21) AS INTEGER))"
    ),
}


def upgrade() -> None:
    op.drop_index("ix_thread_team_start", table_name="thread")
    op.add_column("thread", sa.Column("start_week", sa.Date(), nullable=True))
    op.add_column("thread", sa.Column("reply_micros", sa.BigInteger(), nullable=True))
    op.execute(BACKFILL[op.get_bind().dialect.name])
    with op.batch_alter_table("thread") as batch_op:
        batch_op.alter_column("start_week", existing_type=sa.Date(), nullable=False)
    op.create_index("ix_thread_team_start", "thread", NEW_INDEX)
    # A rebuild starts at the candidate's last thread before a change: found in the index.
    op.drop_index("ix_thread_candidate_id", table_name="thread")
    op.create_index("ix_thread_candidate_start", "thread", ["candidate_id", "started_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_thread_candidate_start", table_name="thread")
    op.create_index("ix_thread_candidate_id", "thread", ["candidate_id"])
    op.drop_index("ix_thread_team_start", table_name="thread")
    with op.batch_alter_table("thread") as batch_op:
        batch_op.drop_column("reply_micros")
        batch_op.drop_column("start_week")
    op.create_index("ix_thread_team_start", "thread", OLD_INDEX)
