"""sign-in failures: the limit on failed sign-ins of the web app

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    op.create_index(
        "ix_sign_in_failure_email_key_failed_at", "sign_in_failure", ["email_key", "failed_at"]
    )
    op.create_index("ix_sign_in_failure_ip_failed_at", "sign_in_failure", ["ip", "failed_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failure_ip_failed_at", table_name="sign_in_failure")
    op.drop_index("ix_sign_in_failure_email_key_failed_at", table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
