from __future__ import annotations

from dataclasses import dataclass

import pytest

from reachout.db import Database
from tests.factories import World, make_candidate, make_project


@dataclass
class Setup:
    world: World
    candidate_id: int
    project_id: int
    project_candidate_ids: list[int]
    other_candidate_id: int
    other_project_id: int


@pytest.fixture
def setup(db: Database, world: World) -> Setup:
    """Team A with one lone candidate and a project of three; team B with its own of each."""
    with db.unit_of_work() as s:
        lone = make_candidate(s, team=world.team)
        members = [make_candidate(s, team=world.team) for _ in range(3)]
        project = make_project(s, team=world.team, candidates=members)
        stranger = make_candidate(s, team=world.other_team)
        other_project = make_project(s, team=world.other_team, candidates=[stranger])
        return Setup(
            world=world,
            candidate_id=lone.id,
            project_id=project.id,
            project_candidate_ids=[m.id for m in members],
            other_candidate_id=stranger.id,
            other_project_id=other_project.id,
        )
