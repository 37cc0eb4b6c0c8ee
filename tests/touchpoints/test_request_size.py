"""Request bodies are bounded (REACHOUT_MAX_REQUEST_BYTES) and the bulk cap counts ids as sent.

A 40 MB body of `{"candidate_ids": [1, 1, 1, ...]}` used to be read whole, parsed into 20
million ids, then cut down to one by removing duplicates: 201 after 7 s, the server at 677 MB.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from reachout.config import Settings
from tests.problems import assert_problem
from tests.touchpoints.conftest import Setup

LIMIT = Settings().max_request_bytes


def _ids_body(size: int) -> bytes:
    head, tail = b'{"channel": "text", "candidate_ids": [', b"1]}"
    return head + b"1," * ((size - len(head) - len(tail)) // 2 + 1) + tail


def test_a_body_over_the_limit_is_413_before_it_is_read(client: httpx.Client, setup: Setup) -> None:
    body = _ids_body(LIMIT + 1)
    assert len(body) > LIMIT
    r = client.post(
        f"/projects/{setup.project_id}/touchpoints/bulk",
        content=body,
        headers={**setup.world.member.headers, "Content-Type": "application/json"},
    )
    problem = assert_problem(r, 413)
    assert f"{LIMIT:,} bytes" in problem["detail"]


def test_a_streamed_body_is_cut_at_the_limit_too(client: httpx.Client, setup: Setup) -> None:
    """No Content-Length (chunked): the server counts what it reads."""

    def chunks() -> Iterator[bytes]:
        body = _ids_body(LIMIT + 1)
        for start in range(0, len(body), 1 << 16):
            yield body[start : start + (1 << 16)]

    r = client.post(
        "/touchpoints",
        content=chunks(),
        headers={**setup.world.member.headers, "Content-Type": "application/json"},
    )
    assert_problem(r, 413)


def test_the_bulk_cap_counts_the_ids_as_sent(client: httpx.Client, setup: Setup) -> None:
    cap = Settings().bulk_max_candidates
    one = setup.project_candidate_ids[0]
    path = f"/projects/{setup.project_id}/touchpoints/bulk"
    body = {"candidate_ids": [one] * (cap + 1), "channel": "text"}
    r = client.post(path, json=body, headers=setup.world.member.headers)
    problem = assert_problem(r, 422, "candidate_ids")
    assert f"{cap:,}" in problem["detail"]
    body["candidate_ids"] = [one] * cap
    r = client.post(path, json=body, headers=setup.world.member.headers)
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 1
