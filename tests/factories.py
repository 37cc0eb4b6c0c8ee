"""Typed factories for test data, one call per thing."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from reachout.models import Candidate, CandidateEmail, Project, ProjectCandidate, Team, User
from reachout.models.enums import Role
from reachout.teams import service as teams
from reachout.users import service as users

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


def make_team(
    session: Session, *, name: str | None = None, time_zone: str = "UTC"
) -> tuple[Team, User]:
    n = next(_seq)
    return teams.create_team(
        session,
        name=name or f"Team {n}",
        admin_email=f"admin{n}@example.com",
        admin_name=f"Admin {n}",
        admin_password=PASSWORD,
        time_zone=time_zone,
    )


def make_user(session: Session, *, team: Team, role: Role = Role.member, **overrides: Any) -> User:
    n = next(_seq)
    return users.add_user(
        session,
        team=team,
        email=overrides.get("email", f"user{n}@example.com"),
        name=overrides.get("name", f"User {n}"),
        role=role,
        password=overrides.get("password", PASSWORD),
        actor=None,
    )


def make_candidate(session: Session, *, team: Team, **overrides: Any) -> Candidate:
    n = next(_seq)
    emails = overrides.pop("emails", [f"candidate{n}@example.org"])
    candidate = Candidate(
        team_id=team.id, name=overrides.pop("name", f"Candidate {n}"), **overrides
    )
    candidate.emails = [
        CandidateEmail(team_id=team.id, email=e, email_key=e.strip().lower(), position=i)
        for i, e in enumerate(emails)
    ]
    session.add(candidate)
    session.flush()
    return candidate


def make_project(
    session: Session, *, team: Team, candidates: list[Candidate] = (), **overrides: Any
) -> Project:  # type: ignore[assignment]
    n = next(_seq)
    project = Project(team_id=team.id, name=overrides.pop("name", f"Project {n}"), **overrides)
    session.add(project)
    session.flush()
    for c in candidates:
        session.add(ProjectCandidate(project_id=project.id, candidate_id=c.id))
    session.flush()
    return project


@dataclass
class Actor:
    user: User
    token: str

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    team: Team
    admin: Actor
    member: Actor
    other_team: Team
    outsider: Actor


def make_world(session: Session) -> World:
    team, admin = make_team(session)
    member = make_user(session, team=team)
    other_team, outsider = make_team(session)
    actors = []
    for user in (admin, member, outsider):
        _, secret = users.create_token(session, user=user, label="tests")
        actors.append(Actor(user=user, token=secret))
    return World(
        team=team, admin=actors[0], member=actors[1], other_team=other_team, outsider=actors[2]
    )


def at(text: str) -> datetime:
    """A UTC instant from 'YYYY-MM-DD HH:MM'."""
    from datetime import UTC

    return datetime.fromisoformat(text).replace(tzinfo=UTC)
