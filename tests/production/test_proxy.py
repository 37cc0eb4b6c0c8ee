"""Behind a proxy (REACHOUT_TRUSTED_PROXIES): the forwarded scheme and client address are
believed from the proxies named, and from nobody else.

The app is called in process with the connecting address chosen (Starlette's test client), so
a request can come from a proxy or from elsewhere; the nginx test (test_nginx.py) does the
same through a real nginx in front of `reachout serve`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reachout.app import create_app
from reachout.db import Database
from reachout.models import SignInFailure
from reachout.users import signin
from reachout.web.session import COOKIE

PROXY = ("10.0.0.2", 41000)  # inside REACHOUT_TRUSTED_PROXIES below
STRANGER = ("192.0.2.50", 41000)  # outside it
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
HTTPS = {"X-Forwarded-Proto": "https"}

MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(db: Database) -> Iterator[MakeClient]:
    clients: list[TestClient] = []

    def make(address: tuple[str, int], trusted: str = "10.0.0.0/8") -> TestClient:
        settings = db.settings.model_copy(update={"trusted_proxies": (trusted,) if trusted else ()})
        client = TestClient(create_app(settings, db=db), client=address, follow_redirects=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _session_cookie(answer_headers: list[str]) -> str:
    (cookie,) = [c for c in answer_headers if c.startswith(f"{COOKIE}=")]
    return cookie


def _fail_sign_in(client: TestClient, *, email: str, forwarded_for: str) -> int:
    """A sign-in with a wrong password from `forwarded_for` (as a proxy says): its status."""
    page = client.get("/sign-in")
    found = CSRF_INPUT.search(page.text)
    assert found, page.text
    form = {"email": email, "password": "not it", "csrf_token": found.group(1)}
    answer = client.post("/sign-in", data=form, headers={"X-Forwarded-For": forwarded_for})
    return answer.status_code


def _failed_from(db: Database) -> list[str]:
    with db.unit_of_work(write=False) as s:
        return sorted(s.scalars(select(SignInFailure.ip)))


def test_from_a_trusted_proxy_https_and_the_client_address_are_believed(
    db: Database, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(PROXY)

    page = client.get("/sign-in", headers=HTTPS)
    assert "Secure" in _session_cookie(page.headers.get_list("set-cookie"))
    moved = client.get("/settings/", headers=HTTPS)
    assert moved.headers["location"].startswith("https://")
    plain = client.get("/sign-in")  # the proxy says nothing: plain HTTP, as it came
    assert "Secure" not in _session_cookie(plain.headers.get_list("set-cookie"))

    # The limit counts each client behind the proxy, not the proxy.
    monkeypatch.setattr(signin, "MAX_FAILURES_PER_IP", 3)
    for n in range(3):
        assert _fail_sign_in(client, email=f"x{n}@example.com", forwarded_for="203.0.113.9") == 401
    assert _fail_sign_in(client, email="y@example.com", forwarded_for="203.0.113.9") == 429
    assert _fail_sign_in(client, email="z@example.com", forwarded_for="198.51.100.4") == 401
    # A client cannot hide behind an address it puts first: the proxy appends the real one.
    spoofed = "203.0.113.77, 203.0.113.9"
    assert _fail_sign_in(client, email="w@example.com", forwarded_for=spoofed) == 429
    assert _failed_from(db) == ["198.51.100.4"] + ["203.0.113.9"] * 3


@pytest.mark.parametrize("trusted", ["10.0.0.0/8", ""], ids=["another-proxy", "no-proxy"])
def test_forwarded_headers_from_anyone_else_are_ignored(
    db: Database, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch, trusted: str
) -> None:
    # With no proxy configured, not even a process on the same host is believed (uvicorn's
    # own default would believe 127.0.0.1).
    connecting = ("127.0.0.1", 41000) if not trusted else STRANGER
    client = make_client(connecting, trusted)
    address = connecting[0]

    page = client.get("/sign-in", headers=HTTPS)
    assert "Secure" not in _session_cookie(page.headers.get_list("set-cookie"))
    moved = client.get("/settings/", headers=HTTPS)
    assert moved.headers["location"].startswith("http://")

    monkeypatch.setattr(signin, "MAX_FAILURES_PER_IP", 3)
    for n in range(3):
        status = _fail_sign_in(client, email=f"x{n}@example.com", forwarded_for=f"203.0.113.{n}")
        assert status == 401
    # A new address in the header each time changes nothing: the connection's address counts.
    assert _fail_sign_in(client, email="y@example.com", forwarded_for="203.0.113.99") == 429
    assert _failed_from(db) == [address] * 3
