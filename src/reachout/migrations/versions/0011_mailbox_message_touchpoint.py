"""mailbox messages by touchpoint: the timeline reads why a reply's status was suggested

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

A profile whose timeline shows a reply read from a mailbox looks up the message it came from by
`touchpoint_id`; without an index that reads every message of the team's mailboxes (all the mail
that arrived, not only replies).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mailbox_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mailbox_message_touchpoint_id"), ["touchpoint_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mailbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mailbox_message_touchpoint_id"))
