"""SPEC §2 rule 7 and §6 for the bulk "now" (`projection.appending_many`, the path a bulk takes
when nothing follows its instant): a fault at any of its statements, from the touchpoints'
INSERT to the commit, leaves nothing behind, and the retry writes the batch once."""

from __future__ import annotations

import httpx
import pytest

from reachout.db import Database
from tests.factories import World
from tests.reliability.conftest import assert_server_problem, changed_tables, snapshot
from tests.reliability.test_bulk_faults import (
    ANCHOR,
    COMMIT,
    _project_with_history,
    _recording,
    database_fails,
)

# No instant: the bulk is logged now, after each candidate's history.
BODY = {"all": True, "channel": "text", "note": "bulk now"}
# Two of the project's four candidates have outreach (and threads) already.
RESOLVED = {"created": 4, "initial": 2, "follow_up": 2}


def test_bulk_now_failing_at_any_statement_leaves_nothing(
    client: httpx.Client, db: Database, world: World, subtests: pytest.Subtests
) -> None:
    url = f"/projects/{_project_with_history(db, world)}/touchpoints/bulk"
    with _recording(db.engines) as seen:
        ok = client.post(url, json=BODY, headers=world.member.headers)
    assert ok.status_code == 201, ok.text
    anchors = [i for i, sql in enumerate(seen) if sql.startswith(ANCHOR)]
    steps = [*seen[anchors[0] :], COMMIT]
    # Threads started and extended, the activity cell, the audit record, the batch's counts.
    assert len(steps) >= 5, steps
    for step, statement in enumerate(steps):
        with subtests.test(fault=statement):
            _fail_then_retry(client, db, world, None if statement == COMMIT else step)


def _fail_then_retry(client: httpx.Client, db: Database, world: World, step: int | None) -> None:
    project_id = _project_with_history(db, world)
    url = f"/projects/{project_id}/touchpoints/bulk"
    headers = {**world.member.headers, "Idempotency-Key": f"bulk-now-{project_id}"}
    before = snapshot(db)
    with database_fails(db.engines, step) as hits:
        failed = client.post(url, json=BODY, headers=headers)
    assert hits, "the fault never fired"
    assert_server_problem(failed)
    assert changed_tables(before, snapshot(db)) == []
    retried = client.post(url, json=BODY, headers=headers)
    assert retried.status_code == 201, retried.text
    assert retried.json() | {"batch_id": 0} == {"batch_id": 0, **RESOLVED}
