"""thread (PostgreSQL): the counters a log changes are out of the cohort view's index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

ix_thread_team_start carried every column the cohort view reads, the counters too, so the view
never read the table. But each follow-up or reply logged updates its thread's counters, and an
update of an indexed column writes a new entry in every index of the row: for a bulk of 10,000
follow-ups that was 180-200 ms of a 600 ms request on PostgreSQL. There, the index now holds
the columns the view filters and groups by (ix_thread_team_period), and the thread pages keep
15% free, so an update of the counters goes in place (HOT) and touches no index; the view reads
each thread's row, 30-80 ms more for 90 days at a million touchpoints. SQLite keeps the
covering index: without it the view took 1.5-2x as long, over its 300 ms target.

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
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_thread_team_start", table_name="thread")
    op.create_index("ix_thread_team_period", "thread", KEY)
    op.execute("ALTER TABLE thread SET (fillfactor = 85)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE thread RESET (fillfactor)")
    op.drop_index("ix_thread_team_period", table_name="thread")
    op.create_index("ix_thread_team_start", "thread", KEY + COUNTERS)
