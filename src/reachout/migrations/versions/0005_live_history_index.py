"""touchpoint: the candidate-history index holds live touchpoints only

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Every walk through a candidate's history (Auto resolution, threads, the single log's read,
activity counts) skips deleted touchpoints, which take part in nothing (SPEC §2). Through the
whole index each deleted row still cost a visit to the table: a bulk for 10,000 candidates
whose histories each ended in ten or so undone bulk rows took 100-150 ms longer. The index is
now partial, on both databases.

A foreign key lookup cannot use a partial index: deleting candidate rows outright (the app
never does; it deletes by setting deleted_at) scans the touchpoint table once per candidate.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["candidate_id", "occurred_at", "id"]
LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    op.drop_index("ix_touchpoint_candidate_order", table_name="touchpoint")
    op.create_index(
        "ix_touchpoint_candidate_live",
        "touchpoint",
        COLUMNS,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_touchpoint_candidate_live", table_name="touchpoint")
    op.create_index("ix_touchpoint_candidate_order", "touchpoint", COLUMNS)
