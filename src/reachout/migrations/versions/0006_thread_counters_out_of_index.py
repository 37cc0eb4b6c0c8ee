"""thread: the counters a write changes are out of the cohort view's index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

ix_thread_team_start carried every column the cohort view reads, the counters too, so the view
never read the table. But each follow-up or reply logged updates its thread's counters, and an
update of an indexed column writes a new entry in every index of the row: for a bulk of 10,000
follow-ups that was 180-200 ms of a 600 ms request on PostgreSQL, and 100 ms on SQLite. The
index now holds the columns the view filters and groups by; PostgreSQL's thread pages keep 15%
free, so an update of the counters goes in place (HOT) and touches no index. The view now reads
each thread's row: a 90-day cohort took 5-40 ms longer at a million touchpoints.

The fillfactor applies to pages written from now on; existing pages get room as their rows are
updated and pruned (a VACUUM FULL would rewrite them at once, but locks the table).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ["team_id", "start_day", "start_week", "channel", "user_id", "project_id", "candidate_id"]
COUNTERS = ["follow_ups", "outreach_before_reply", "latest_reply_status", "reply_micros"]


def upgrade() -> None:
    op.drop_index("ix_thread_team_start", table_name="thread")
    op.create_index("ix_thread_team_start", "thread", KEY)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE thread SET (fillfactor = 85)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE thread RESET (fillfactor)")
    op.drop_index("ix_thread_team_start", table_name="thread")
    op.create_index("ix_thread_team_start", "thread", KEY + COUNTERS)
