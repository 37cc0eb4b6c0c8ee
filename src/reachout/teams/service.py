"""Teams: creation (with their first admin) and settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from reachout import audit
from reachout.errors import Conflict, Forbidden, Invalid, NotFound
from reachout.kit.time import is_time_zone
from reachout.models import Team, User
from reachout.models.enums import Role
from reachout.projection.changes import team_rules_changed
from reachout.teams import repository
from reachout.teams.schemas import TeamUpdate
from reachout.users import service as users


def create_team(
    session: Session,
    *,
    name: str,
    admin_email: str,
    admin_name: str | None = None,
    admin_password: str,
    time_zone: str = "UTC",
) -> tuple[Team, User]:
    name = name.strip()
    if not name:
        raise Invalid.on("name", "a team needs a name")
    if not is_time_zone(time_zone):
        raise Invalid.on("time_zone", f"unknown time zone {time_zone!r}")
    existing = repository.team_named(session, name)
    if existing is not None:
        raise Conflict(f"a team named {name!r} exists already", extra={"existing_id": existing.id})
    team = Team(name=name, time_zone=time_zone)
    session.add(team)
    session.flush()
    admin = users.add_user(
        session,
        team=team,
        email=admin_email,
        name=admin_name,
        role=Role.admin,
        password=admin_password,
        actor=None,
    )
    return team, admin


def _check_name_free(session: Session, name: str) -> None:
    # Team names are unique in the instance (the command line names teams by them), so a
    # rename to a taken name is refused, without saying more of the team that has it.
    if repository.team_named(session, name) is not None:
        raise Conflict(f"the team name {name!r} is not available; choose another")


def get_team_by_name(session: Session, name: str) -> Team:
    team = repository.team_named(session, name)
    if team is None:
        raise NotFound(f"no team named {name!r}")
    return team


def update_team(session: Session, *, actor: User, changes: TeamUpdate) -> Team:
    if actor.role != Role.admin:
        raise Forbidden("only an admin can change the team's settings")
    team = actor.team
    if "name" in changes.model_fields_set and changes.name != team.name:
        _check_name_free(session, changes.name or "")
    before = audit.snapshot(team)
    for column, value in _columns(changes).items():
        setattr(team, column, value)
    session.flush()
    zone_changed = team.time_zone != before["time_zone"]
    if zone_changed or team.reengage_after_days != before["reengage_after_days"]:
        # Designations follow the window and stats follow the time zone: redo the history.
        team_rules_changed(session, team=team, time_zone_changed=zone_changed)
    audit.record(
        session,
        actor=actor,
        team_id=team.id,
        action="update",
        entity_type="team",
        entity_id=team.id,
        before=before,
        after=audit.snapshot(team),
    )
    return team


def _columns(changes: TeamUpdate) -> dict[str, Any]:
    """The team's columns for the fields given: each replaces its whole value."""
    values: dict[str, Any] = {}
    for field in changes.model_fields_set:
        value = getattr(changes, field)
        if field == "sending_hours":
            values["sending_days"] = ",".join(day.value for day in value.days)
            values["sending_start"] = value.start
            values["sending_end"] = value.end
        elif field == "holidays":
            # A new list, never the old one changed: the audit's `before` holds the old one.
            values["holidays"] = [day.isoformat() for day in value]
        else:
            values[field] = value
    return values
