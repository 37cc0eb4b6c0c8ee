"""SPEC §2 rule 7 and §6: a bulk request that fails part-way leaves nothing behind.

The database fails one statement of the bulk's transaction (or its commit) while the live
server runs it. The answer is a 5xx problem+json; no touchpoint, batch, audit row or thread
changed; the Idempotency-Key is not used up, so the retry with it writes the batch once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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

# Statements of a bulk request, in the order it runs them (then the idempotency record's
# update and the commit): a failure at each must undo all the ones before it.
FAULTS = [
    "UPDATE touchpoint",  # resolving auto designations, after the rows were inserted
    "INSERT INTO thread",  # rebuilding threads, after the old ones were deleted
    "INSERT INTO audit_event",
    "UPDATE idempotency_record",  # recording the answer to replay
    "UPDATE batch",  # the counts, flushed last
    "COMMIT",
]


@contextmanager
def database_fails(engine: Engine, statement: str) -> Iterator[list[str]]:
    """The database fails the first statement that starts with `statement` (or the commit)."""
    hits: list[str] = []

    def swap(
        _conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, executemany: bool
    ) -> tuple[str, Any]:
        if hits or executemany or not sql.lstrip().startswith(statement):
            return sql, params
        hits.append(sql)
        # Sent to the database instead: it fails there, as a real fault would.
        return "SELECT * FROM reachout_injected_fault", {} if isinstance(params, dict) else ()

    def fail_commit(_conn: Any) -> None:
        if not hits:
            hits.append("COMMIT")
            raise exc.OperationalError("COMMIT", None, Exception("injected: connection lost"))

    if statement == "COMMIT":
        event.listen(engine, "commit", fail_commit)
    else:
        event.listen(engine, "before_cursor_execute", swap, retval=True)
    try:
        yield hits
    finally:
        if statement == "COMMIT":
            event.remove(engine, "commit", fail_commit)
        else:
            event.remove(engine, "before_cursor_execute", swap)


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


def test_bulk_failing_part_way_leaves_nothing_and_keeps_the_key(
    client: httpx.Client, db: Database, world: World, subtests: pytest.Subtests
) -> None:
    # One team for all the faults (its users are slow to make: argon2), a project each.
    for statement in FAULTS:
        with subtests.test(fault=statement):
            _fail_then_retry(client, db, world, statement)


def _fail_then_retry(client: httpx.Client, db: Database, world: World, statement: str) -> None:
    project_id = _project_with_history(db, world)
    url = f"/projects/{project_id}/touchpoints/bulk"
    # Backdated before the existing outreach: it would turn their initials into follow-ups
    # and rebuild their threads, so a half-applied bulk would show in those rows too.
    body = {"all": True, "channel": "text", "note": "bulk", "occurred_at": "2024-05-01T09:00:00Z"}
    headers = {**world.member.headers, "Idempotency-Key": f"bulk-{statement}"}
    before = snapshot(db)

    with database_fails(db.engine, statement) as hits:
        failed = client.post(url, json=body, headers=headers)
    assert hits, f"the fault at {statement!r} never fired"
    assert_server_problem(failed)
    assert changed_tables(before, snapshot(db)) == []

    retried = client.post(url, json=body, headers=headers)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert retried.json() | {"batch_id": 0} == {
        "batch_id": 0,
        "created": 4,
        "initial": 4,
        "follow_up": 0,
    }
    again = client.post(url, json=body, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == retried.json()
    _assert_written_once(db, project_id=project_id, batch_id=retried.json()["batch_id"])


def _assert_written_once(db: Database, *, project_id: int, batch_id: int) -> None:
    with db.unit_of_work(write=False) as s:
        batches = select(Batch.id).where(Batch.project_id == project_id)
        assert s.scalars(batches).all() == [batch_id]
        in_batch = select(func.count()).where(Touchpoint.batch_id == batch_id)
        assert s.scalar(in_batch) == 4
        audits = select(func.count()).where(
            AuditEvent.entity_type == "batch", AuditEvent.entity_id == batch_id
        )
        assert s.scalar(audits) == 1
        # The project's earlier outreach, now after the batch's, became follow-ups.
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
        assert manual == ["follow_up", "follow_up"]
