"""Reading sequences and enrollments of a team."""

from __future__ import annotations

from sqlalchemy.orm import Session

from reachout.errors import Invalid, NotFound
from reachout.kit.types import is_db_id
from reachout.models import Enrollment, Sequence


def require_sequence(
    session: Session, *, team_id: int, sequence_id: int, field: str | None = None
) -> Sequence:
    """A live sequence of the team; else 404 (a path) or 422 on `field` (a body or query)."""
    sequence = session.get(Sequence, sequence_id) if is_db_id(sequence_id) else None
    if sequence is None or sequence.team_id != team_id or sequence.archived_at is not None:
        if field is None:
            raise NotFound(f"sequence {sequence_id} not found")
        raise Invalid.on(field, f"no sequence with id {sequence_id}")
    return sequence


def require_enrollment(session: Session, *, team_id: int, enrollment_id: int) -> Enrollment:
    """An enrollment of the team; else 404."""
    enrollment = session.get(Enrollment, enrollment_id) if is_db_id(enrollment_id) else None
    if enrollment is None or enrollment.team_id != team_id:
        raise NotFound(f"enrollment {enrollment_id} not found")
    return enrollment
