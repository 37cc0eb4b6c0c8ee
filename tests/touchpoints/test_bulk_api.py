"""Bulk logging from a project over HTTP: all or nothing, set-based, undoable."""

from __future__ import annotations

import httpx
from sqlalchemy import func, insert, select

from reachout.db import Database
from reachout.models import Candidate, ProjectCandidate, Touchpoint
from tests.problems import assert_problem
from tests.touchpoints.conftest import Setup


def bulk(
    client: httpx.Client, setup: Setup, body: dict, project_id: int | None = None, **kw
) -> httpx.Response:  # type: ignore[type-arg,no-untyped-def]
    headers = kw.pop("headers", setup.world.member.headers)
    pid = project_id or setup.project_id
    return client.post(f"/projects/{pid}/touchpoints/bulk", json=body, headers=headers, **kw)


def live_touchpoints(db: Database) -> int:
    with db.unit_of_work(write=False) as s:
        return (
            s.scalar(
                select(func.count()).select_from(Touchpoint).where(Touchpoint.deleted_at.is_(None))
            )
            or 0
        )


def test_bulk_text_for_selected_candidates_then_undo(
    client: httpx.Client, setup: Setup, db: Database
) -> None:
    first, *rest = setup.project_candidate_ids
    client.post(
        "/touchpoints",
        json={"candidate_id": first, "channel": "inmail"},
        headers=setup.world.member.headers,
    )
    r = bulk(
        client, setup, {"candidate_ids": [first, *rest, first], "channel": "text", "note": "bulk"}
    )
    assert r.status_code == 201, r.text
    result = r.json()
    assert (result["created"], result["initial"], result["follow_up"]) == (3, 2, 1)
    batch = client.get(f"/batches/{result['batch_id']}", headers=setup.world.member.headers).json()
    assert batch["created"] == 3 and batch["undone_at"] is None
    assert live_touchpoints(db) == 4
    undo = client.delete(f"/batches/{result['batch_id']}", headers=setup.world.member.headers)
    assert undo.status_code == 200 and undo.json()["undone_at"] is not None
    assert live_touchpoints(db) == 1
    assert_problem(
        client.delete(f"/batches/{result['batch_id']}", headers=setup.world.member.headers), 409
    )


def test_one_id_outside_the_project_rejects_all_and_names_it(
    client: httpx.Client, setup: Setup, db: Database
) -> None:
    ids = [*setup.project_candidate_ids, setup.candidate_id, setup.other_candidate_id]
    body = assert_problem(bulk(client, setup, {"candidate_ids": ids, "channel": "call"}), 422)
    assert sorted(e["id"] for e in body["errors"]) == sorted(
        [setup.candidate_id, setup.other_candidate_id]
    )
    assert str(setup.candidate_id) in body["detail"]
    assert live_touchpoints(db) == 0


def test_bulk_rejects_invalid_fields_and_writes_nothing(
    client: httpx.Client, setup: Setup, db: Database
) -> None:
    ids = setup.project_candidate_ids
    assert_problem(bulk(client, setup, {"candidate_ids": ids, "channel": "fax"}), 422, "channel")
    assert_problem(
        bulk(
            client,
            setup,
            {"candidate_ids": ids, "channel": "text", "kind": "reply", "designation": "initial"},
        ),
        422,
        "designation",
    )
    assert_problem(bulk(client, setup, {"channel": "text"}), 422, "all")
    assert_problem(
        bulk(
            client,
            setup,
            {"candidate_ids": ids, "channel": "text", "user_id": setup.world.outsider.id},
        ),
        422,
        "user_id",
    )
    assert_problem(
        bulk(client, setup, {"all": True, "channel": "text"}, project_id=999_999_999), 404
    )
    assert live_touchpoints(db) == 0


def test_a_member_cannot_undo_someone_elses_batch(client: httpx.Client, setup: Setup) -> None:
    r = bulk(client, setup, {"all": True, "channel": "text"}, headers=setup.world.admin.headers)
    batch_id = r.json()["batch_id"]
    assert_problem(client.delete(f"/batches/{batch_id}", headers=setup.world.member.headers), 403)
    assert_problem(client.delete(f"/batches/{batch_id}", headers=setup.world.outsider.headers), 404)


def test_ten_thousand_candidates_in_one_request(
    client: httpx.Client, setup: Setup, db: Database
) -> None:
    team_id = setup.world.team.id
    with db.unit_of_work() as s:
        s.execute(
            insert(Candidate), [{"team_id": team_id, "name": f"Bulk {i}"} for i in range(10_000)]
        )
        ids = list(s.scalars(select(Candidate.id).where(Candidate.name.like("Bulk %"))))
        s.execute(
            insert(ProjectCandidate),
            [{"project_id": setup.project_id, "candidate_id": i} for i in ids],
        )
    r = bulk(client, setup, {"candidate_ids": ids, "channel": "inmail", "designation": "auto"})
    assert r.status_code == 201, r.text
    assert r.json() == {
        "batch_id": r.json()["batch_id"],
        "created": 10_000,
        "initial": 10_000,
        "follow_up": 0,
    }
    again = bulk(client, setup, {"all": True, "channel": "text"})
    assert again.json()["created"] == 10_003
    assert again.json()["follow_up"] == 10_000
    assert live_touchpoints(db) == 20_003
    assert (
        client.delete(
            f"/batches/{r.json()['batch_id']}", headers=setup.world.member.headers
        ).status_code
        == 200
    )
    assert live_touchpoints(db) == 10_003
    with db.unit_of_work(write=False) as s:
        initial = s.scalar(
            select(func.count())
            .select_from(Touchpoint)
            .where(Touchpoint.deleted_at.is_(None), Touchpoint.designation == "initial")
        )
    # With the first batch undone, the second batch's auto outreach are everyone's first.
    assert initial == 10_003


def test_bulk_idempotency_key(client: httpx.Client, setup: Setup, db: Database) -> None:
    headers = {**setup.world.member.headers, "Idempotency-Key": "bulk-1"}
    body = {"all": True, "channel": "text"}
    first = bulk(client, setup, body, headers=headers)
    second = bulk(client, setup, body, headers=headers)
    assert first.json() == second.json()
    assert live_touchpoints(db) == 3
