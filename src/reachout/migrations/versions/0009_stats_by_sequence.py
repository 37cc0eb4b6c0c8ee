"""stats by sequence: threads carry their initial's sequence and stage, activity_day counts per
sequence stage too

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

Stats group and filter by sequence (SPEC §9). The cohort view reads the thread table, so a
thread gets its initial touchpoint's sequence_id and sequence_stage; the activity view sums
activity_day, so its cells are now also per sequence stage (sequence_key and stage_key, 0 for
none, in the primary key). Both are derived from the ledger: threads whose initial came from a
sequence are filled from it (touchpoints have said so since 0008: few rows), and activity_day
is recreated with its new key and counted again from the ledger, as 0004 first counted it.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
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
# activity_day's key columns, and how each is computed from a touchpoint.
KEY = {
    "team_id": "team_id",
    "local_day": "local_day",
    "channel": "channel",
    "user_id": "user_id",
    "project_key": "COALESCE(project_id, 0)",
}
SEQUENCE_KEY = {
    "sequence_key": "COALESCE(sequence_id, 0)",
    "stage_key": "COALESCE(sequence_stage, 0)",
}


def upgrade() -> None:
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("sequence_stage", sa.Integer(), nullable=True))
    # A thread's id is its initial touchpoint's.
    op.execute(
        "UPDATE thread SET"
        " sequence_id = (SELECT t.sequence_id FROM touchpoint t WHERE t.id = thread.id),"
        " sequence_stage = (SELECT t.sequence_stage FROM touchpoint t WHERE t.id = thread.id)"
        " WHERE thread.id IN (SELECT id FROM touchpoint WHERE sequence_id IS NOT NULL)"
    )
    _recount_activity(KEY | SEQUENCE_KEY)


def downgrade() -> None:
    _recount_activity(KEY)
    with op.batch_alter_table("thread", schema=None) as batch_op:
        batch_op.drop_column("sequence_stage")
        batch_op.drop_column("sequence_id")


def _recount_activity(key: dict[str, str]) -> None:
    """activity_day again, with this key, counted from the live touchpoints."""
    op.drop_table("activity_day")
    op.create_table(
        "activity_day",
        *(sa.Column(name, _type(name), nullable=False) for name in key),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_activity_day")),
        sqlite_with_rowid=False,
    )
    counted = ", ".join(f"count(CASE WHEN {c} THEN 1 END)" for c in CONDITIONS)
    computed = ", ".join(key.values())
    op.execute(
        f"INSERT INTO activity_day ({', '.join(key)}, {', '.join(COUNTS)})"
        f" SELECT {computed}, {counted} FROM touchpoint"
        f" WHERE deleted_at IS NULL GROUP BY {computed}"
    )


def _type(name: str) -> sa.types.TypeEngine[Any]:
    if name == "local_day":
        return sa.Date()
    if name == "channel":
        return sa.String(length=16)
    return sa.Integer()
