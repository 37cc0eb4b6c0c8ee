"""Every unsafe page request needs the session's CSRF token (SPEC §4), whatever the route.

Generated from the route table, like the tenancy test: each POST page is sent by a signed-in
admin with a valid form but no token, an empty one, a forged one, another session's, or a wrong
one in the form field. Each must be refused with 403 and write nothing; the same request with
the session's token must then get past the check, which shows the 403 came from it.
(tests/web/test_csrf_and_errors.py shows the same in a browser for two of the forms.)
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from reachout.db import Database
from tests.conftest import LiveServer
from tests.factories import World
from tests.security.conftest import WebClient, snapshot
from tests.security.holdings import make_holdings
from tests.security.routes import endpoints, problems_of, served_app


@pytest.fixture
def outsider_web(live_server: LiveServer, world: World) -> Iterator[WebClient]:
    """Team B's admin, signed in with a session (and a CSRF token) of their own."""
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        client = WebClient(http)
        client.sign_in(world.outsider.user.email)
        yield client


def test_every_unsafe_page_refuses_a_request_without_the_sessions_token(
    live_server: LiveServer, db: Database, world: World, web: WebClient, outsider_web: WebClient
) -> None:
    pages = [e for e in endpoints(served_app(live_server)) if not e.is_api and not e.is_safe]
    unusable = [p for e in pages for p in problems_of(e)]
    assert not unusable, "\n".join(unusable)
    someone_elses = outsider_web.csrf("/settings")
    failures = []
    for endpoint in pages:
        with db.unit_of_work() as s:
            own = make_holdings(
                s, team=world.team, admin=world.admin.user, member=world.member.user
            )
        url, form = endpoint.url(own), endpoint.extras(own).get("form", {})
        files = endpoint.extras(own).get("files")
        token = web.csrf("/settings")
        assert someone_elses != token
        before = snapshot(db)
        forgeries = {
            "no token": web.send("POST", url, form=form, files=files, csrf=None),
            "an empty token": web.send("POST", url, form=form, files=files, csrf=""),
            "a forged token": web.send("POST", url, form=form, files=files, csrf=_forged(token)),
            "another session's token": web.send(
                "POST", url, form=form, files=files, csrf=someone_elses
            ),
            "a wrong token in the form": web.send(
                "POST", url, form={**form, "csrf_token": token[:-1]}, files=files, csrf=None
            ),
        }
        for what, answer in forgeries.items():
            if answer.status_code != 403:
                failures.append(f"{endpoint.key} with {what}: {answer.status_code}")
        if snapshot(db) != before:
            failures.append(f"{endpoint.key}: a refused request changed the database")
        control = web.send("POST", url, form=form, files=files, csrf=token)
        if control.status_code in (403, 422) or control.status_code >= 500:
            failures.append(f"{endpoint.key} with its token: {control.status_code}")
        if endpoint.path == "/sign-out":
            web.sign_in(world.admin.user.email)
    assert not failures, "\n".join(failures)
    assert {e.path for e in pages} >= {"/candidates", "/sign-in", "/sign-out", "/settings/team"}


def _forged(token: str) -> str:
    """The token with its first character changed (to another one: a random token starts with
    any character, "x" included)."""
    return ("y" if token[0] == "x" else "x") + token[1:]


def test_a_forged_token_always_differs() -> None:
    assert _forged("xabc") == "yabc" and _forged("abc") == "xbc"


def test_a_refused_sign_out_leaves_the_session_signed_in(web: WebClient) -> None:
    answer = web.send("POST", "/sign-out", csrf="not-the-token")
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers
    assert web.http.get("/settings").status_code == 200
