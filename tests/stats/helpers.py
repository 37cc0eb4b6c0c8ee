"""Shared steps for stats tests: a team in a time zone, logging over HTTP, reading stats."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from reachout.db import Database
from reachout.models import Sequence, Team, User
from reachout.models.enums import Role, Source
from reachout.touchpoints import service as touchpoints
from reachout.touchpoints.schemas import TouchpointCreate
from reachout.touchpoints.service import SequenceStep
from reachout.users import service as users
from tests.factories import Actor, make_candidate, make_project


@dataclass
class StatsTeam:
    team_id: int
    name: str
    time_zone: str
    ana: Actor  # the admin
    ben: Actor  # a member
    projects: list[int]
    candidates: list[int]


def make_stats_team(
    db: Database,
    *,
    time_zone: str,
    candidates: int = 6,
    projects: tuple[str, ...] = ("Backend", "Design"),
) -> StatsTeam:
    """A team with Ana (admin) and Ben (member), projects holding every candidate, and tokens.

    Users are written directly, without a password: stats tests sign in with tokens only, and
    skipping the password hash keeps a fresh team per hypothesis example cheap.
    """
    with db.unit_of_work() as s:
        team = Team(name=f"Stats {uuid.uuid4().hex[:12]}", time_zone=time_zone)
        s.add(team)
        s.flush()
        actors = []
        for name, role in (("Ana", Role.admin), ("Ben", Role.member)):
            user = User(
                team=team,
                email=f"{name.lower()}.{uuid.uuid4().hex[:12]}@example.com",
                name=name,
                role=role.value,
                password_hash="-",
            )
            s.add(user)
            s.flush()
            _, secret = users.create_token(s, user=user, label="stats tests")
            actors.append(Actor(user=user, token=secret))
        people = [make_candidate(s, team=team) for _ in range(candidates)]
        project_ids = [make_project(s, team=team, name=n, candidates=people).id for n in projects]
        return StatsTeam(
            team_id=team.id,
            name=team.name,
            time_zone=time_zone,
            ana=actors[0],
            ben=actors[1],
            projects=project_ids,
            candidates=[p.id for p in people],
        )


def iso(at: str) -> str:
    """'YYYY-MM-DD HH:MM' (UTC) as the API's ISO 8601."""
    return at.replace(" ", "T") + ":00Z"


def log(
    client: httpx.Client,
    actor: Actor,
    candidate_id: int,
    at: str,
    *,
    channel: str,
    kind: str = "outreach",
    designation: str | None = None,
    status: str | None = None,
    project_id: int | None = None,
) -> int:
    """Log one touchpoint as `actor` (credited to them); its id."""
    body: dict[str, Any] = {
        "candidate_id": candidate_id,
        "kind": kind,
        "channel": channel,
        "occurred_at": iso(at),
        "project_id": project_id,
    }
    if designation is not None:
        body["designation"] = designation
    if status is not None:
        body["reply_status"] = status
    r = client.post("/touchpoints", json=body, headers=actor.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def log_by_sequence(
    db: Database, actor: Actor, body: dict[str, Any], *, sequence_id: int, stage: int
) -> int:
    """Log one touchpoint (`body` as POST /touchpoints takes it) as a sequence's send or task
    does: through the touchpoint service, with its stage (SPEC §9), for `actor`. Its id."""
    with db.unit_of_work() as s:
        user = s.get_one(User, actor.id)
        data = TouchpointCreate.model_validate(body)
        step = SequenceStep(sequence_id, stage)
        made = touchpoints.log_touchpoint(
            s, actor=user, data=data, source=Source.sequence, step=step
        )
        return made.id


def make_sequence(db: Database, owner: Actor, name: str) -> int:
    """A sequence of the owner's team (stats read only its name, so it has no stages); its id."""
    with db.unit_of_work() as s:
        sequence = Sequence(
            team_id=owner.user.team_id, name=name, owner_user_id=owner.id, created_by_id=owner.id
        )
        s.add(sequence)
        s.flush()
        return sequence.id


def get_stats(client: httpx.Client, actor: Actor, **params: Any) -> dict[str, Any]:
    r = client.get("/stats/outreach", params=_params(params), headers=actor.headers)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _params(params: dict[str, Any]) -> dict[str, Any]:
    # `from` is a Python keyword: tests write from_.
    return {("from" if k == "from_" else k): v for k, v in params.items() if v is not None}


def rounded(value: Any) -> Any:
    """Floats rounded to 9 places, through dicts and lists, to compare answers exactly."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value
