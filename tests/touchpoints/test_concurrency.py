"""SPEC §2 rule 5: concurrent auto outreach for one new candidate ends with exactly one initial."""

from __future__ import annotations

import threading

import httpx

from tests.conftest import LiveServer
from tests.touchpoints.conftest import Setup

REQUESTS = 20


def test_twenty_concurrent_auto_outreach_make_exactly_one_initial(
    live_server: LiveServer, setup: Setup
) -> None:
    barrier = threading.Barrier(REQUESTS)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def fire() -> None:
        # One client each: separate connections to the server, and so to the database.
        with httpx.Client(base_url=live_server.url + "/api/v1", timeout=60) as c:
            barrier.wait()
            r = c.post(
                "/touchpoints",
                json={"candidate_id": setup.candidate_id, "channel": "inmail"},
                headers=setup.world.member.headers,
            )
            with lock:
                answers.append(r)

    threads = [threading.Thread(target=fire) for _ in range(REQUESTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in answers] == [201] * REQUESTS, [r.text for r in answers]
    designations = sorted(r.json()["designation"] for r in answers)
    assert designations == ["follow_up"] * (REQUESTS - 1) + ["initial"]
