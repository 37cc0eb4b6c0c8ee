"""thread (SQLite): the sequence columns join the cohort view's covering index

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05

On SQLite the cohort view reads the period's threads from ix_thread_team_start alone, every
column it needs being in the index; the views by sequence and by sequence stage (0009) also read
`sequence_id` and `sequence_stage`, which were not, so they read each thread's row: 136-140 ms
for 90 days at a million touchpoints, against 107-113 ms with the columns in the index.
PostgreSQL's index is unchanged (it leaves out what a log updates, see 0006).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ["team_id", "start_day", "start_week", "channel", "user_id", "project_id", "candidate_id"]
COUNTERS = ["follow_ups", "outreach_before_reply", "latest_reply_status", "reply_micros"]
SEQUENCE = ["sequence_id", "sequence_stage"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index("ix_thread_team_start", table_name="thread")
    op.create_index("ix_thread_team_start", "thread", KEY + COUNTERS + SEQUENCE)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.drop_index("ix_thread_team_start", table_name="thread")
    op.create_index("ix_thread_team_start", "thread", KEY + COUNTERS)
