"""The stop rule of sequences (SPEC §9): a reply stops the candidate's enrollments.

A reply touchpoint written by any writer (logged by hand, by the API, the extension, a bulk, an
import, the mailbox) passes through the projection in its transaction, so the rule lives here,
with the other consequences of a change to a history: the candidate's open enrollments that
began at or before a live reply become `replied`, and their open tasks are cancelled. A worker
claiming a send checks the same rule again under the same lock (`sequences.worker`), so a reply
logged a moment before a send always wins.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Exists, exists, update
from sqlalchemy.orm import Session

from reachout.kit.sql import in_id_list
from reachout.kit.time import now
from reachout.models import Enrollment, SequenceTask, Touchpoint
from reachout.models.enums import Kind
from reachout.models.sequence import OPEN_STATUSES

REPLIED_REASON = "the candidate replied"


def replied_since_start() -> Exists:
    """A live reply of the enrollment's candidate at or after the enrollment began."""
    return exists().where(
        Touchpoint.candidate_id == Enrollment.candidate_id,
        Touchpoint.kind == Kind.reply.value,
        Touchpoint.deleted_at.is_(None),
        Touchpoint.occurred_at >= Enrollment.started_at,
    )


def stop_replied(session: Session, *, candidate_ids: Sequence[int]) -> None:
    """Stop these candidates' open enrollments that a reply answers."""
    if not candidate_ids:
        return
    candidates = in_id_list(session, Enrollment.candidate_id, candidate_ids)
    stopped = (
        session.execute(
            update(Enrollment)
            .where(candidates, Enrollment.status.in_(OPEN_STATUSES), replied_since_start())
            .values(
                status="replied",
                status_reason=REPLIED_REASON,
                next_stage=None,
                next_due_at=None,
                updated_at=now(),
            )
            .returning(Enrollment.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    if stopped:
        session.execute(
            update(SequenceTask)
            .where(
                SequenceTask.status == "open",
                in_id_list(session, SequenceTask.enrollment_id, stopped),
            )
            .values(status="cancelled", done_at=now())
            .execution_options(synchronize_session=False)
        )
