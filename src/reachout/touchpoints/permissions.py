"""Who may change a touchpoint (SPEC §2 rule 9), asked by every path that edits or deletes one:
the API, the edit form, the timeline's controls, and deleting a candidate."""

from __future__ import annotations

from reachout.models import Touchpoint, User
from reachout.models.enums import Role


def can_change(actor: User, touchpoint: Touchpoint) -> bool:
    """Whoever logged it, and any admin, may edit or delete a touchpoint."""
    return actor.role == Role.admin or touchpoint.created_by_id == actor.id
