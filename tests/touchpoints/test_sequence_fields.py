"""Touchpoints say which sequence stage made them (SPEC §9), and are listed by it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reachout.db import Database
from reachout.models import User
from reachout.models.enums import Kind
from reachout.touchpoints.service import SequenceStep
from tests.factories import at
from tests.problems import assert_problem
from tests.touchpoints.conftest import Setup
from tests.touchpoints.helpers import log


def listed(client: httpx.Client, setup: Setup, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/touchpoints", params=params, headers=setup.world.member.headers)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


def test_touchpoints_carry_their_sequence_and_stage_and_filter_by_them(
    client: httpx.Client, db: Database, setup: Setup
) -> None:
    with db.unit_of_work() as s:
        admin = s.get_one(User, setup.world.admin.id)
        c = setup.candidate_id
        made = {
            "manual": log(s, admin, c, at("2026-05-01 09:00")).id,
            "7:1": log(s, admin, c, at("2026-05-02 09:00"), step=SequenceStep(7, 1)).id,
            "7:2": log(s, admin, c, at("2026-05-03 09:00"), step=SequenceStep(7, 2)).id,
            "8:2": log(s, admin, c, at("2026-05-04 09:00"), step=SequenceStep(8, 2)).id,
            # Logged before the others: the history's middle, through the general path.
            "8:1": log(s, admin, c, at("2026-05-01 12:00"), step=SequenceStep(8, 1)).id,
            "reply": log(s, admin, c, at("2026-05-05 09:00"), kind=Kind.reply).id,
        }
    everything = {t["id"]: t for t in listed(client, setup)}
    assert (
        everything[made["manual"]]["sequence_id"],
        everything[made["manual"]]["sequence_stage"],
    ) == (None, None)
    assert (everything[made["8:2"]]["sequence_id"], everything[made["8:2"]]["sequence_stage"]) == (
        8,
        2,
    )
    one = client.get(f"/touchpoints/{made['7:1']}", headers=setup.world.member.headers).json()
    assert (one["sequence_id"], one["sequence_stage"]) == (7, 1)

    def ids(**params: Any) -> list[int]:
        return [t["id"] for t in listed(client, setup, **params)]

    assert ids(sequence_id=7) == [made["7:1"], made["7:2"]]
    assert ids(sequence_id=8) == [made["8:2"], made["8:1"]]
    assert ids(sequence_stage=2) == [made["7:2"], made["8:2"]]
    assert ids(sequence_id=8, sequence_stage=1) == [made["8:1"]]
    assert ids(sequence_id=9) == []
    assert ids(sequence_id=7, kind="reply") == []


@pytest.mark.parametrize(
    ("name", "value"),
    [("sequence_id", 0), ("sequence_id", "x"), ("sequence_stage", 0), ("sequence_stage", -1)],
)
def test_a_bad_sequence_filter_is_422(
    client: httpx.Client, setup: Setup, name: str, value: object
) -> None:
    r = client.get("/touchpoints", params={name: value}, headers=setup.world.member.headers)
    assert_problem(r, 422, name)


def test_an_id_too_large_for_the_database_finds_nothing_or_is_422(
    client: httpx.Client, setup: Setup
) -> None:
    for name in ("sequence_id", "sequence_stage"):
        r = client.get("/touchpoints", params={name: 2**31}, headers=setup.world.member.headers)
        assert_problem(r, 422, name)
