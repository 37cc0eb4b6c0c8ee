"""Queries of the messages read from mailboxes, each within one team."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.models import MailboxMessage


def suggested_because(
    session: Session, *, team_id: int, touchpoint_ids: Collection[int]
) -> dict[int, str]:
    """The words that decided the suggested status of these replies, by touchpoint id (those
    that were not read from a mailbox, or whose text decided nothing, are left out)."""
    if not touchpoint_ids:
        return {}
    rows = session.execute(
        select(MailboxMessage.touchpoint_id, MailboxMessage.suggested_because).where(
            MailboxMessage.team_id == team_id,
            MailboxMessage.touchpoint_id.in_(sorted(touchpoint_ids)),
            MailboxMessage.suggested_because.is_not(None),
        )
    )
    return {touchpoint_id: words for touchpoint_id, words in rows if touchpoint_id and words}
