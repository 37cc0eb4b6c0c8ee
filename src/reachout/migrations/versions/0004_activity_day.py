"""activity_day: the activity view's counts per day, channel, user and project

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

The activity view counted the period's touchpoints on every request, through a wide covering
index on the ledger. The counts are now kept per cell by every write (reachout.stats.activity):
this revision counts the existing ledger and drops that index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("outreach", "initial", "follow_up", "replies", "interested", "not_interested", "later")
CONDITIONS = (
    "kind = 'outreach'",
    "designation = 'initial'",
    "designation = 'follow_up'",
    "kind = 'reply'",
    "reply_status = 'interested'",
    "reply_status = 'not_interested'",
    "reply_status = 'later'",
)

ACTIVITY_INDEX = [
    "team_id",
    "local_day",
    "deleted_at",
    "kind",
    "designation",
    "reply_status",
    "channel",
    "user_id",
    "project_id",
]


def upgrade() -> None:
    op.create_table(
        "activity_day",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("local_day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("project_key", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint(
            "team_id",
            "local_day",
            "channel",
            "user_id",
            "project_key",
            name=op.f("pk_activity_day"),
        ),
        sqlite_with_rowid=False,
    )
    counted = ", ".join(f"count(CASE WHEN {c} THEN 1 END)" for c in CONDITIONS)
    key = "team_id, local_day, channel, user_id, COALESCE(project_id, 0)"
    op.execute(
        f"INSERT INTO activity_day (team_id, local_day, channel, user_id, project_key,"
        f" {', '.join(COUNTS)}) SELECT {key}, {counted} FROM touchpoint"
        f" WHERE deleted_at IS NULL GROUP BY {key}"
    )

    # The index the activity view read the ledger through: every write paid for it.
    op.drop_index("ix_touchpoint_activity", table_name="touchpoint")


def downgrade() -> None:
    op.create_index("ix_touchpoint_activity", "touchpoint", ACTIVITY_INDEX)
    op.drop_table("activity_day")
