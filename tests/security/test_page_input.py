"""Odd input on the web pages: never a 500, and never echoed back unescaped (SPEC §4).

The API is fuzzed from its OpenAPI document (tests/api/test_schemathesis.py); the pages have
none, so this test reads their form fields and query parameters from the route table and sends
each of them, in turn, each of a set of hostile values, with the rest of the request valid.
"""

from __future__ import annotations

from typing import Any

import httpx

from reachout.db import Database
from tests.conftest import LiveServer
from tests.factories import World
from tests.security.conftest import WebClient
from tests.security.holdings import make_holdings
from tests.security.routes import Endpoint, endpoints, served_app

SCRIPT = "<script>alert('reachout')</script>"
HOSTILE = [
    "",
    "a\x00b@example.com",  # PostgreSQL cannot store NUL, nor compare text with it
    "x" * 20_000,  # longer than any column
    SCRIPT,
    str(2**63),  # no id column holds it
    "-1",
    "2026-02-30T25:61",
    "9999-12-31T23:59",  # past year 9999 in UTC from any zone west of it
    "0001-01-01T00:00",
]
# A password is only ever verified, and every try costs an argon2 hash: the email is enough.
SKIPPED = {("POST /sign-in", "password")}


def page_inputs(endpoint: Endpoint) -> tuple[str, list[str]]:
    """Where the page reads its input ("form" or "params"), and the names it reads."""
    if endpoint.is_safe:
        return "params", list(dict.fromkeys(endpoint.inputs("query")))
    return "form", list(dict.fromkeys(endpoint.inputs("body")))


def test_no_hostile_value_in_any_page_input_is_a_server_error_or_echoed_raw(
    live_server: LiveServer, db: Database, world: World, web: WebClient
) -> None:
    pages = [e for e in endpoints(served_app(live_server)) if not e.is_api]
    with db.unit_of_work() as s:
        own = make_holdings(s, team=world.team, admin=world.admin.user, member=world.member.user)
    csrf = web.csrf("/settings")
    failures, sent = [], 0
    for endpoint in pages:
        where, names = page_inputs(endpoint)
        valid: dict[str, Any] = endpoint.extras(own).get(where, {})
        for name in names:
            if (endpoint.key, name) in SKIPPED:
                continue
            for value in HOSTILE:
                sent += 1
                try:
                    answer = web.send(
                        endpoint.method,
                        endpoint.url(own),
                        **{where: {**valid, name: value}},
                        csrf=None if endpoint.is_safe else csrf,
                    )
                except httpx.TransportError as exc:  # the server failed before it could answer
                    failures.append(f"{endpoint.key} {name}={value[:20]!r}: {exc!r}")
                    continue
                if answer.status_code >= 500:
                    failures.append(f"{endpoint.key} {name}={value[:20]!r}: {answer.status_code}")
                elif SCRIPT in answer.text:
                    failures.append(f"{endpoint.key} {name}: the script came back unescaped")
    # What was stored is shown on the pages: escaped there too.
    for path in ("/candidates", "/projects", "/settings", f"/projects/{own['project_id']}"):
        shown = web.send("GET", path)
        if shown.status_code != 200 or SCRIPT in shown.text:
            failures.append(
                f"GET {path}: {shown.status_code}, script shown raw: {SCRIPT in shown.text}"
            )
    assert not failures, "\n".join(failures)
    assert sent >= 200  # the route table was read: dozens of inputs, not none
