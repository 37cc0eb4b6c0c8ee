"""SPEC §2 rule 7 and §6: a bulk request that fails part-way leaves nothing behind.

The database fails a statement of the bulk's transaction (each one in turn, from the first
touchpoint INSERT on, then the commit) while the live server runs it. The answer is a 5xx
problem+json; no row of any table changed (touchpoints, batch, audit, threads); the
Idempotency-Key is not used up, so the retry with it writes the batch once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event, exc, func, select

from reachout.db import Database
from reachout.models import AuditEvent, Batch, ProjectCandidate, Touchpoint
from reachout.models.enums import Kind
from tests.factories import World, at, make_candidate, make_project
from tests.reliability.conftest import assert_server_problem, changed_tables, snapshot
from tests.touchpoints.helpers import log

# The first write of the touchpoints themselves: faults are injected from there on.
ANCHOR = "INSERT INTO touchpoint"
COMMIT = "COMMIT"


@dataclass(frozen=True)
class Bulk:
    body: dict[str, Any]
    # What the retry resolves.
    resolved: dict[str, int]
    # The fewest statements from the ANCHOR on.
    fewest: int
    # The designations of the project's two earlier outreach afterwards.
    earlier: list[str]


# Two bulks for the whole project, one down each path of `log_bulk`.
BULKS = {
    # Backdated before its existing outreach: it turns their initials into follow-ups and
    # rebuilds their threads (`history_change`), so a half-applied bulk would show in those
    # rows. Resolution, threads, audit, the idempotency record and the counts follow the insert.
    "backdated": Bulk(
        {"all": True, "channel": "text", "note": "bulk", "occurred_at": "2024-05-01T09:00:00Z"},
        {"created": 4, "initial": 4, "follow_up": 0},
        6,
        ["follow_up", "follow_up"],
    ),
    # Now, after each candidate's history (`projection.appending_many`): the two with outreach
    # are followed up. Threads started and extended, the activity cell, the audit record and
    # the batch's counts follow the insert.
    "now": Bulk(
        {"all": True, "channel": "text", "note": "bulk now"},
        {"created": 4, "initial": 2, "follow_up": 2},
        5,
        ["initial", "initial"],
    ),
}


def _no_parameters(params: Any, executemany: bool) -> Any:
    if executemany:
        return [{} if isinstance(params[0], dict) else ()]
    return {} if isinstance(params, dict) else ()


@contextmanager
def database_fails(engines: list[Engine], step: int | None) -> Iterator[list[str]]:
    """The database fails the `step`-th statement from the ANCHOR on (None: the commit)."""
    since_anchor: list[str] = []
    hits: list[str] = []

    def swap(
        _conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, executemany: bool
    ) -> tuple[str, Any]:
        if hits or not (since_anchor or sql.lstrip().startswith(ANCHOR)):
            return sql, params
        since_anchor.append(sql)
        if len(since_anchor) - 1 != step:
            return sql, params
        hits.append(sql)
        # Sent to the database instead: it fails there, as a real fault would.
        return "SELECT * FROM reachout_injected_fault", _no_parameters(params, executemany)

    def fail_commit(_conn: Any) -> None:
        if since_anchor and step is None and not hits:
            hits.append(COMMIT)
            raise exc.OperationalError(COMMIT, None, Exception("injected: connection lost"))

    for engine in engines:
        event.listen(engine, "before_cursor_execute", swap, retval=True)
        event.listen(engine, "commit", fail_commit)
    try:
        yield hits
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", swap)
            event.remove(engine, "commit", fail_commit)


def _steps_of_a_bulk(client: httpx.Client, db: Database, world: World, bulk: Bulk) -> list[str]:
    """What a bulk like the ones under test runs from the ANCHOR on, seen in one that succeeds."""
    url = f"/projects/{_project_with_history(db, world)}/touchpoints/bulk"
    with _recording(db.engines) as seen:
        dry = {**world.member.headers, "Idempotency-Key": "dry"}
        ok = client.post(url, json=bulk.body, headers=dry)
    assert ok.status_code == 201, ok.text
    anchors = [i for i, sql in enumerate(seen) if sql.startswith(ANCHOR)]
    assert anchors, f"a bulk request no longer runs {ANCHOR!r}: {seen}"
    return [*seen[anchors[0] :], COMMIT]


@contextmanager
def _recording(engines: list[Engine]) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split()[:4]))

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def _project_with_history(db: Database, world: World) -> int:
    """A project of four candidates; two have outreach (and threads) already, one a reply."""
    with db.unit_of_work() as s:
        candidates = [make_candidate(s, team=world.team) for _ in range(4)]
        project = make_project(s, team=world.team, candidates=candidates)
        actor = s.merge(world.member.user)
        log(s, actor, candidates[0].id, at("2024-05-10 09:00"))
        log(s, actor, candidates[1].id, at("2024-05-10 10:00"))
        log(s, actor, candidates[1].id, at("2024-05-11 10:00"), kind=Kind.reply)
        return project.id


@pytest.mark.parametrize("path", BULKS)
def test_bulk_failing_at_any_statement_leaves_nothing_and_keeps_the_key(
    client: httpx.Client, db: Database, world: World, subtests: pytest.Subtests, path: str
) -> None:
    bulk = BULKS[path]
    # One team for all the faults (its users are slow to make: argon2), a project each.
    steps = _steps_of_a_bulk(client, db, world, bulk)
    assert len(steps) >= bulk.fewest, steps
    for step, statement in enumerate(steps):
        with subtests.test(fault=statement):
            _fail_then_retry(client, db, world, bulk, None if statement == COMMIT else step)


def _fail_then_retry(
    client: httpx.Client, db: Database, world: World, bulk: Bulk, step: int | None
) -> None:
    project_id = _project_with_history(db, world)
    url = f"/projects/{project_id}/touchpoints/bulk"
    headers = {**world.member.headers, "Idempotency-Key": f"bulk-{project_id}"}
    before = snapshot(db)

    with database_fails(db.engines, step) as hits:
        failed = client.post(url, json=bulk.body, headers=headers)
    assert hits, "the fault never fired"
    assert_server_problem(failed)
    assert changed_tables(before, snapshot(db)) == []

    retried = client.post(url, json=bulk.body, headers=headers)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert retried.json() | {"batch_id": 0} == {"batch_id": 0, **bulk.resolved}
    again = client.post(url, json=bulk.body, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == retried.json()
    batch_id = retried.json()["batch_id"]
    _assert_written_once(db, project_id=project_id, batch_id=batch_id, earlier=bulk.earlier)


def _assert_written_once(
    db: Database, *, project_id: int, batch_id: int, earlier: list[str]
) -> None:
    with db.unit_of_work(write=False) as s:
        batches = select(Batch.id).where(Batch.project_id == project_id)
        assert s.scalars(batches).all() == [batch_id]
        in_batch = select(func.count()).where(Touchpoint.batch_id == batch_id)
        assert s.scalar(in_batch) == 4
        audits = select(func.count()).where(
            AuditEvent.entity_type == "batch", AuditEvent.entity_id == batch_id
        )
        assert s.scalar(audits) == 1
        # The project's earlier outreach: follow-ups if the batch came before them.
        members = select(ProjectCandidate.candidate_id).where(
            ProjectCandidate.project_id == project_id
        )
        manual = s.scalars(
            select(Touchpoint.designation).where(
                Touchpoint.candidate_id.in_(members),
                Touchpoint.batch_id.is_(None),
                Touchpoint.kind == "outreach",
            )
        ).all()
        assert manual == earlier
