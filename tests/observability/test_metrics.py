"""GET /metrics: off without its token, refused without it, and counting what it says."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from reachout.db import Database
from tests.factories import World, make_candidate, make_project
from tests.observability.conftest import METRICS_TOKEN, make_app
from tests.sequences.conftest import free_port

AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}


def samples(text: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples that have these labels."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def test_metrics_are_not_served_without_a_token_set(db: Database) -> None:
    with TestClient(make_app(db, metrics_token=None)) as http:
        assert http.get("/metrics").status_code == 404
        assert http.get("/metrics", headers=AUTH).status_code == 404


def test_metrics_need_the_token(http: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": METRICS_TOKEN}):
        answer = http.get("/metrics", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["content-type"] == "application/problem+json"
        assert METRICS_TOKEN not in answer.text
    assert http.get("/metrics", headers=AUTH).status_code == 200


def test_metrics_count_requests_by_route_and_status_and_touchpoints_written(
    http: TestClient, db: Database, world: World
) -> None:
    with db.unit_of_work() as s:
        candidate = make_candidate(s, team=world.team)
        members = [make_candidate(s, team=world.team) for _ in range(2)]
        project = make_project(s, team=world.team, candidates=members)
    before = http.get("/metrics", headers=AUTH).text
    route = "/api/v1/touchpoints/{touchpoint_id}"
    for _ in range(3):
        http.get("/api/v1/touchpoints/2000000000", headers=world.admin.headers)
    body = {"candidate_id": candidate.id, "kind": "outreach", "channel": "email"}
    assert http.post("/api/v1/touchpoints", json=body, headers=world.admin.headers).is_success
    bulk = {"kind": "outreach", "channel": "inmail", "all": True}
    logged = http.post(
        f"/api/v1/projects/{project.id}/touchpoints/bulk", json=bulk, headers=world.admin.headers
    )
    assert logged.is_success, logged.text
    refused = {"candidate_id": 2_000_000_000, "kind": "outreach", "channel": "email"}
    assert http.post("/api/v1/touchpoints", json=refused, headers=world.admin.headers).is_error
    after = http.get("/metrics", headers=AUTH).text

    def moved(name: str, **labels: str) -> float:
        return samples(after, name, **labels) - samples(before, name, **labels)

    requests = "reachout_http_requests_total"
    assert moved(requests, route=route, method="GET", status="404") == 3
    assert moved(requests, route="/api/v1/touchpoints", method="POST", status="201") == 1
    latency = "reachout_http_request_duration_seconds_count"
    assert moved(latency, route=route, method="GET", status="404") == 3
    # One logged alone, two by the bulk log; the refused one wrote nothing.
    assert moved("reachout_touchpoints_written_total") == 3
    assert "reachout_db_connections_checked_out" in after
    assert "reachout_sequence_sends_total" in after or "reachout_sequence_sends" in after
    for line in after.splitlines():
        assert world.admin.token not in line and "2000000000" not in line


@pytest.fixture
def served(database: Database, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`reachout serve --workers 2` on the tests' database, with metrics on; its stdout."""
    port = free_port()
    out = tmp_path / "stdout.log"
    env = {
        **os.environ,
        "REACHOUT_DATABASE_URL": database.settings.database_url,
        "REACHOUT_METRICS_TOKEN": METRICS_TOKEN,
        "TMPDIR": str(tmp_path),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-m", "reachout", "serve", "--workers", "2", "--no-worker"]
    with out.open("wb") as stdout:
        server = subprocess.Popen([*command, "--port", str(port)], env=env, stdout=stdout)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.1)
        yield url, out
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_metrics_count_across_server_processes(
    served: tuple[str, Path], world: World, tmp_path: Path
) -> None:
    url, out = served
    sent = 40
    for _ in range(sent):
        # A connection each: the two processes take turns accepting them.
        answer = httpx.get(url + "/api/v1/touchpoints", headers=world.member.headers)
        assert answer.status_code == 200
    (metrics_dir,) = tmp_path.glob("reachout-metrics-*")
    pids = {p.stem.rsplit("_", 1)[1] for p in metrics_dir.glob("counter_*.db")}
    totals = set()
    for _ in range(6):
        scrape = httpx.get(url + "/metrics", headers=AUTH)
        assert scrape.status_code == 200
        totals.add(
            samples(
                scrape.text,
                "reachout_http_requests_total",
                route="/api/v1/touchpoints",
                status="200",
            )
        )
    assert totals == {sent}, f"scrapes saw {totals} of {sent}, counted by processes {pids}"
    # Each process logged its own requests' lines, as JSON, with the caller and no token.
    logged = [line for line in out.read_text().splitlines() if '"/api/v1/touchpoints"' in line]
    assert len(logged) == sent
    assert all(f'"user_id": {world.member.id}' in line for line in logged)
    assert world.member.token not in out.read_text()
