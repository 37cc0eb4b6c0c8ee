"""nginx in front of two `reachout serve` processes on PostgreSQL (issue 21, Done-when 1).

nginx terminates TLS on loopback and balances a steady write load (POST /api/v1/touchpoints,
each with its Idempotency-Key) over two server processes, configured as docs/deploy.md says
(bench/nginx.py). One process is SIGKILLed mid-load and restarted, then the other is SIGTERMed
mid-load and restarted. A client retries a failed request once, with its key. Then the
database stops, and /readyz says so.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench import nginx
from sqlalchemy import select

from reachout import migrate
from reachout.cli import DRAIN_SECONDS
from reachout.config import Settings
from reachout.db import Database
from reachout.models import SignInFailure, Touchpoint
from reachout.web.session import COOKIE
from tests.factories import World, make_candidate, make_world
from tests.production.conftest import OwnPostgres, ServeProcess
from tests.reliability.conftest import free_port
from tests.security.conftest import CSRF_INPUT

pytestmark = pytest.mark.skipif(
    not nginx.NGINX.exists(),
    reason=f"nginx is not installed ({nginx.NGINX}): `bash .ci/run` installs it "
    "(apt-get install nginx-light)",
)

# nginx connects to the app servers from this address, the one proxy they trust; the clients
# connect to nginx from another, which the servers must see as theirs.
PROXY_ADDRESS, CLIENT_ADDRESS = "127.0.0.2", "127.0.0.3"
CLIENTS = 4
# Acknowledged writes between one step and the next.
STEP = 40
START = datetime(2025, 6, 2, tzinfo=UTC)


@dataclass
class Ledger:
    """What the clients sent, and what they were answered."""

    acked: dict[str, int] = field(default_factory=dict)  # key -> touchpoint id
    failures: Counter[str] = field(default_factory=Counter)  # key -> failed attempts
    why: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    serial: int = 0

    def new_body(self, candidate_ids: list[int]) -> tuple[str, dict[str, Any]]:
        with self.lock:
            self.serial += 1
            n = self.serial
        key = f"nginx-{n}-{uuid.uuid4().hex[:8]}"
        return key, {
            "candidate_id": candidate_ids[n % len(candidate_ids)],
            "channel": "email",
            "note": key,
            "occurred_at": (START + timedelta(minutes=n)).isoformat(),
        }

    def failed(self, key: str, why: str) -> None:
        with self.lock:
            self.failures[key] += 1
            self.why.append(why)


def _client_loop(
    url: str, headers: dict[str, str], ledger: Ledger, ids: list[int], stop: threading.Event
) -> None:
    transport = httpx.HTTPTransport(verify=False, local_address=CLIENT_ADDRESS)
    with httpx.Client(base_url=url, headers=headers, transport=transport, timeout=30) as client:
        while not stop.is_set():
            key, body = ledger.new_body(ids)
            for _ in range(2):  # a failed request is retried once, with its key
                try:
                    answer = client.post(
                        "/api/v1/touchpoints", json=body, headers={"Idempotency-Key": key}
                    )
                except httpx.TransportError as error:
                    ledger.failed(key, repr(error))
                    continue
                if answer.status_code == 201:
                    ledger.acked[key] = answer.json()["id"]
                    break
                ledger.failed(key, f"{answer.status_code} {answer.text[:200]}")


@contextmanager
def _load(url: str, world: World, ids: list[int], ledger: Ledger) -> Iterator[None]:
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=_client_loop, args=(url, world.member.headers, ledger, ids, stop), daemon=True
        )
        for _ in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


def _wait_for_acks(ledger: Ledger, count: int, servers: list[ServeProcess]) -> None:
    deadline = time.monotonic() + 30
    while len(ledger.acked) < count:
        if time.monotonic() > deadline:
            logs = "\n".join(s.log() for s in servers)
            pytest.fail(f"the load stalled at {len(ledger.acked)}: {ledger.why[-3:]}\n{logs}")
        time.sleep(0.01)


def _back_in_rotation(ledger: Ledger, servers: list[ServeProcess]) -> None:
    """Wait until nginx sends requests to a restarted server again, as a rolling restart
    must before it stops the next one (docs/deploy.md)."""
    time.sleep(nginx.FAIL_TIMEOUT_SECONDS + 0.5)
    _wait_for_acks(ledger, len(ledger.acked) + STEP, servers)


def _cookie(answer: httpx.Response) -> str:
    (cookie,) = [c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}=")]
    return cookie


def _fail_sign_in(client: httpx.Client, headers: dict[str, str] | None = None) -> None:
    found = CSRF_INPUT.search(client.get("/sign-in").text)
    assert found
    form = {"email": "nobody@example.com", "password": "not it", "csrf_token": found.group(1)}
    assert client.post("/sign-in", data=form, headers=headers).status_code == 401


def _check_forwarded_headers(db: Database, proxy: nginx.Nginx, app: ServeProcess) -> None:
    """Through nginx: https and the client's address are believed; straight to a server from
    elsewhere, the same headers are not."""
    transport = httpx.HTTPTransport(verify=False, local_address=CLIENT_ADDRESS)
    with httpx.Client(base_url=proxy.base_url, transport=transport, timeout=10) as client:
        assert "Secure" in _cookie(client.get("/sign-in"))
        moved = client.get("/settings/")
        assert moved.headers["location"] == f"{proxy.base_url}/settings"
        _fail_sign_in(client)
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    with httpx.Client(base_url=app.url, headers=forged, timeout=10) as client:
        assert "Secure" not in _cookie(client.get("/sign-in"))
        _fail_sign_in(client)
    with db.unit_of_work(write=False) as s:
        assert sorted(s.scalars(select(SignInFailure.ip))) == ["127.0.0.1", CLIENT_ADDRESS]


def _assert_nothing_lost(db: Database, ledger: Ledger, world: World) -> None:
    assert ledger.serial > 0
    twice = [key for key, n in ledger.failures.items() if n > 1]
    assert not twice, f"failed twice: {twice[:5]} ({ledger.why[-5:]})"
    with db.unit_of_work(write=False) as s:
        rows = s.execute(
            select(Touchpoint.note, Touchpoint.id).where(Touchpoint.team_id == world.team.id)
        ).all()
    stored = dict(rows)
    assert len(stored) == len(rows), "a touchpoint written twice"
    lost = [key for key, id_ in ledger.acked.items() if stored.get(key) != id_]
    assert not lost, f"{len(lost)} acknowledged touchpoints lost: {lost[:5]}"
    # Every key was answered (at last on its retry), and nothing else was written.
    assert sorted(stored) == sorted(ledger.acked)


def _ready(url: str) -> httpx.Response:
    return httpx.get(f"{url}/readyz", verify=False, timeout=10)


def test_nginx_keeps_every_acknowledged_write_through_a_kill_and_a_restart(
    database: Database,
    own_postgres: OwnPostgres,
    spawn_serve: Callable[..., ServeProcess],
    tmp_path: Path,
) -> None:
    if database.dialect == "sqlite":
        pytest.skip("server processes behind nginx share one PostgreSQL; SQLite serves one host")
    db = Database(Settings(database_url=own_postgres.url))
    migrate.upgrade(db.engine)
    with db.unit_of_work() as s:
        world = make_world(s)
        ids = [make_candidate(s, team=world.team).id for _ in range(8)]
    settings = {"REACHOUT_TRUSTED_PROXIES": PROXY_ADDRESS}
    a, b = (spawn_serve(own_postgres.url, settings=settings) for _ in range(2))
    starting = [threading.Thread(target=s.start, args=(world.member.headers,)) for s in (a, b)]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join()
    assert a.process is not None and b.process is not None, "a server did not start"
    port = free_port()
    site = nginx.site(
        [f"127.0.0.1:{a.port}", f"127.0.0.1:{b.port}"],
        listen=f"127.0.0.1:{port}",
        tls=nginx.self_signed(tmp_path),
        bind=PROXY_ADDRESS,
    )
    ledger = Ledger()
    with nginx.running(tmp_path / "nginx", site, port=port, tls=True) as proxy:
        _check_forwarded_headers(db, proxy, a)
        with _load(proxy.base_url, world, ids, ledger):
            _wait_for_acks(ledger, STEP, [a, b])
            a.kill()
            _wait_for_acks(ledger, len(ledger.acked) + STEP, [b])
            a.start(world.member.headers)
            _back_in_rotation(ledger, [a, b])
            drained = b.terminate()
            _wait_for_acks(ledger, len(ledger.acked) + STEP, [a])
            b.start(world.member.headers)
            _back_in_rotation(ledger, [a, b])
        _assert_nothing_lost(db, ledger, world)
        assert drained < DRAIN_SECONDS  # it stopped once its requests were answered

        assert _ready(proxy.base_url).json() == {"status": "ready"}
        own_postgres.stop()
        for server in (a, b):
            answer = _ready(server.url)
            assert answer.status_code == 503, answer.text
            assert answer.json()["reason"] == "the database does not answer"
        through = _ready(proxy.base_url)
        assert through.status_code == 503, (through.text, proxy.errors())
        resent = proxy.errors(last=10**7).count("while reading response header from upstream")
    db.dispose()
    print(
        f"\n{len(ledger.acked)} touchpoints through nginx; {resent} cut off by the kill and "
        f"sent to the other server by nginx; {sum(ledger.failures.values())} failed once and "
        f"succeeded on the client's retry; SIGTERM drained in {drained:.1f} s"
    )
