"""The error contract (SPEC §4): every 4xx the API gives is problem+json with its fields.

Generated from the app's route table, like the tenancy test: every method of every /api/v1
route is sent each error it can give (no token: 401; a missing id in its path: 404; an id that is
not a number, a body of the wrong type, a bad query parameter: 422; a method the path does not
serve: 405), and the errors that need a particular request (403, 409, a 422 with several things
wrong; 413 has its own test) are provoked where they arise. Every answer goes through
`problem_failures`, the check `assert_problem` makes, so an error in another shape fails here.
The server's own failures (500, 503) are provoked in tests/reliability.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from reachout.db import Database
from reachout.models import CandidateEmail, Touchpoint
from tests.conftest import LiveServer
from tests.factories import World
from tests.problems import problem_failures
from tests.security.holdings import Holdings, make_holdings
from tests.security.routes import TEAM_IDS, Endpoint, endpoints, problems_of, served_app

API = "/api/v1/"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# An id that fits every id column and names nothing.
MISSING = 2_000_000_000
# A value each query parameter refuses, by its name; free text (`q`) refuses nothing.
BAD_QUERY: dict[str, dict[str, str]] = {
    "limit": {"limit": "0"},
    "cursor": {"cursor": "not-a-cursor"},
    "candidate_id": {"candidate_id": "x"},
    "project_id": {"project_id": "x"},
    "user_id": {"user_id": "x"},
    "kind": {"kind": "gossip"},
    "channel": {"channel": "fax"},
    "from": {"from": "not-a-date"},
    "to": {"to": "not-a-date"},
    "query": {"view": "weekly"},  # the stats parameters, read as one model
    "email": {"email": "not-an-email"},
    "linkedin_url": {"linkedin_url": "https://example.com/in/jane"},
    "format": {"format": "xlsx"},
    "dry_run": {"dry_run": "maybe"},
    "skip_invalid": {"skip_invalid": "maybe"},
    "mapping": {"mapping": "[1]"},
    "contacted": {"contacted": "maybe"},
    "reply": {"reply": "sometimes"},
    "owner_id": {"owner_id": "x"},
    "contacted_from": {"contacted_from": "2026-02-30"},
    "contacted_to": {"contacted_to": "yesterday"},
    "days": {"days": "-1"},
    "later_days": {"later_days": "x"},
    "sequence_id": {"sequence_id": "x"},
    "sequence_stage": {"sequence_stage": "0"},
    "status": {"status": "sleeping"},
}
FREE_TEXT = frozenset({"q"})

Answer = tuple[str, int, httpx.Response]


class Caller:
    """Sends the requests and keeps every answer with the status it must have."""

    def __init__(self, http: httpx.Client, world: World, own: Holdings) -> None:
        self.http, self.world, self.own = http, world, own
        self.answers: list[Answer] = []

    def expect(
        self,
        status: int,
        what: str,
        method: str,
        url: str,
        *,
        as_: str = "admin",
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        """Send as the admin, the member or "nobody" (no token)."""
        auth = {} if as_ == "nobody" else getattr(self.world, as_).headers
        answer = self.http.request(method, url, headers={**auth, **(headers or {})}, **kw)
        self.answers.append((what, status, answer))
        return answer


def send_route_errors(call: Caller, endpoint: Endpoint) -> None:
    """The errors any route can give, whatever it does."""
    own, key = call.own, endpoint.key
    extras = endpoint.extras(own)
    body = {"json": extras.get("json"), "params": extras.get("params")}
    call.expect(401, f"{key} without a token", endpoint.method, endpoint.url(own), as_="nobody")
    if endpoint.params:
        missing = Holdings(ids=dict.fromkeys(TEAM_IDS, MISSING), member=own.member)
        call.expect(404, f"{key} with a missing id", endpoint.method, endpoint.url(missing), **body)
        not_ids = endpoint.path.format(**dict.fromkeys(endpoint.params, "not-a-number"))
        call.expect(422, f"{key} with an id that is no number", endpoint.method, not_ids, **body)
    if endpoint.inputs("body"):
        wrong = ["not", "an", "object"]
        call.expect(422, f"{key} with a list body", endpoint.method, endpoint.url(own), json=wrong)
    for name in endpoint.inputs("query"):
        if name in FREE_TEXT:
            continue
        assert name in BAD_QUERY, f"{key}: add a value {name!r} refuses to BAD_QUERY"
        params = {**(extras.get("params") or {}), **BAD_QUERY[name]}
        call.expect(
            422, f"{key} with a bad {name}", endpoint.method, endpoint.url(own), params=params
        )


def send_wrong_methods(call: Caller, routes: list[Endpoint]) -> None:
    served: dict[str, set[str]] = {}
    for endpoint in routes:
        served.setdefault(endpoint.path, set()).add(endpoint.method)
    for path, methods in served.items():
        url = path.format(**{name: call.own[name] for name in TEAM_IDS if f"{{{name}}}" in path})
        for method in sorted(set(METHODS) - methods):
            call.expect(405, f"{method} {path}", method, url)
    call.expect(404, "a path that is no route", "GET", API + "nowhere")


def send_rule_errors(call: Caller, db: Database) -> None:
    """The errors that need a particular request: refusals (403), duplicates (409), several."""
    own = call.own
    with db.unit_of_work() as s:
        taken = s.scalar(
            select(CandidateEmail.email).where(CandidateEmail.candidate_id == own["candidate_id"])
        )
        admins = s.scalar(select(Touchpoint.id).where(Touchpoint.batch_id == own["batch_id"]))
    duplicate = {"name": "Again", "emails": [taken]}
    call.expect(409, "a candidate with a taken email", "POST", API + "candidates", json=duplicate)
    created = call.http.post(
        API + "candidates", json={"name": "B"}, headers=call.world.admin.headers
    )
    other = created.json()["id"]
    patch = {"emails": [taken]}
    call.expect(409, "another's email", "PATCH", f"{API}candidates/{other}", json=patch)
    user = {"email": call.world.member.user.email}
    call.expect(409, "a user with a taken email", "POST", API + "users", json=user)
    for method, path, change in (
        ("POST", "users", {"email": "new@example.com"}),
        ("PATCH", "team", {"time_zone": "Europe/Paris"}),
        ("PATCH", f"touchpoints/{admins}", {"note": "mine now"}),
        ("DELETE", f"touchpoints/{admins}", None),
    ):
        call.expect(
            403, f"a member: {method} {path}", method, API + path, json=change, as_="member"
        )
    several = {"name": "", "emails": ["not-an-email"], "nickname": "JD"}
    answer = call.expect(422, "several things wrong", "POST", API + "candidates", json=several)
    fields = {e.get("field") for e in answer.json().get("errors", [])}
    assert {"name", "emails.0", "nickname"} <= fields, answer.text


def test_every_error_of_every_api_route_is_a_problem(
    live_server: LiveServer, db: Database, world: World
) -> None:
    routes = [e for e in endpoints(served_app(live_server)) if e.path.startswith(API)]
    # A route with an id is sent a valid request besides (the 404 must come from the id).
    unusable = [p for e in routes if e.params for p in problems_of(e)]
    assert not unusable, "\n".join(unusable)
    with db.unit_of_work() as s:
        own = make_holdings(s, team=world.team, admin=world.admin.user, member=world.member.user)
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        call = Caller(http, world, own)
        for endpoint in routes:
            send_route_errors(call, endpoint)
        send_wrong_methods(call, routes)
        send_rule_errors(call, db)
    failures = [
        f"{what}: {f}" for what, status, r in call.answers for f in problem_failures(r, status)
    ]
    assert not failures, "\n".join(failures)
    # The table is read, not assumed: every route, and every kind of error, was tried.
    assert len(routes) >= 28
    assert {status for _, status, _ in call.answers} >= {401, 403, 404, 405, 409, 422}


def test_a_body_over_the_size_limit_is_a_problem(live_server: LiveServer, world: World) -> None:
    """413, whether the client announces the size (Content-Length) or streams the body."""
    limit = live_server.db.settings.max_request_bytes
    huge = b'{"name": "' + b"x" * limit + b'"}'
    headers = {**world.admin.headers, "Content-Type": "application/json"}
    url = live_server.url + API + "candidates"
    with httpx.Client(timeout=60) as http:
        announced = http.post(url, content=huge, headers=headers)
        streamed = http.post(url, content=iter([huge[:1000], huge[1000:]]), headers=headers)
    failures = [f"announced: {f}" for f in problem_failures(announced, 413)]
    failures += [f"streamed: {f}" for f in problem_failures(streamed, 413)]
    assert not failures, "\n".join(failures)


def test_an_error_in_another_shape_fails_the_contract() -> None:
    """The check can fail: FastAPI's own error answers, without the app's handlers, are refused."""
    app = FastAPI()

    @app.get("/thing/{thing_id}")
    def thing(thing_id: int) -> None: ...

    client = TestClient(app)
    checks: list[tuple[Callable[[], httpx.Response], int]] = [
        (lambda: client.get("/thing/x"), 422),
        (lambda: client.get("/nowhere"), 404),
        (lambda: client.post("/thing/1"), 405),
    ]
    for send, status in checks:
        assert problem_failures(send(), status), status
