"""One JSON line per request, with its id, route, status, duration and caller, and no secrets."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from reachout.db import Database
from reachout.routing import ApiRoute
from tests.factories import PASSWORD, World, make_candidate
from tests.observability.conftest import Logs
from tests.problems import problem_failures

FIELDS = {
    "time",
    "level",
    "logger",
    "message",
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "user_id",
    "team_id",
    "client",
}
NOTE = "Said she would only move for a staff role; salary 180k"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _sign_in(http: TestClient, email: str) -> str:
    """Through the sign-in form, as a browser; the session cookie's value."""
    token = CSRF.search(http.get("/sign-in").text)
    assert token
    form = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    answer = http.post("/sign-in", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    cookie = http.cookies.get("reachout_session")
    assert cookie
    return cookie


def test_api_and_web_requests_log_one_json_line_each_without_secrets(
    http: TestClient, db: Database, world: World, logs: Logs
) -> None:
    with db.unit_of_work() as s:
        candidate = make_candidate(s, team=world.team)
    admin = world.admin
    # A token-authenticated write, with a note and a secret-looking query string.
    logged = http.post(
        f"/api/v1/touchpoints?token={admin.token}",
        json={"candidate_id": candidate.id, "kind": "outreach", "channel": "email", "note": NOTE},
        headers=admin.headers,
    )
    assert logged.status_code == 201, logged.text
    read = http.get(f"/api/v1/touchpoints/{logged.json()['id']}", headers=admin.headers)
    assert read.status_code == 200
    # A signed-in browser: the password goes in a form, the session in a cookie.
    cookie = _sign_in(http, world.member.user.email)
    assert http.get(f"/candidates/{candidate.id}").status_code == 200

    lines = logs.requests()
    assert len(lines) == 5  # the two API calls; the sign-in form, its POST; the page
    for line in lines:
        assert line.keys() >= FIELDS, line
        assert line["level"] == "info"
        assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
        assert isinstance(line["duration_ms"], float | int) and line["duration_ms"] >= 0
    api_write, api_read, _, _, page = lines
    assert (api_write["method"], api_write["route"], api_write["status"]) == (
        "POST",
        "/api/v1/touchpoints",
        201,
    )
    # The route's template, never the path with its id.
    assert api_read["route"] == "/api/v1/touchpoints/{touchpoint_id}"
    assert page["route"] == "/candidates/{candidate_id}"
    assert (api_write["user_id"], api_write["team_id"]) == (admin.id, world.team.id)
    assert (page["user_id"], page["team_id"]) == (world.member.id, world.team.id)
    assert lines[2]["user_id"] is None  # the sign-in form: nobody yet
    # Each answer said its id.
    assert logged.headers["X-Request-ID"] == api_write["request_id"]

    for secret in (admin.token, PASSWORD, cookie, NOTE, "180k"):
        assert secret not in logs.text, f"{secret!r} is in the logs"


def test_the_request_id_round_trips_and_is_in_every_problem(
    http: TestClient, world: World, logs: Logs
) -> None:
    sent = "req-42.abc_DEF"
    missing = http.get(
        "/api/v1/touchpoints/2000000000",
        headers={**world.admin.headers, "X-Request-ID": sent},
    )
    assert not problem_failures(missing, 404)
    assert missing.headers["X-Request-ID"] == sent
    assert missing.json()["request_id"] == sent
    bad_token = http.get("/api/v1/touchpoints", headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401
    assert bad_token.json()["request_id"] == bad_token.headers["X-Request-ID"]

    lines = logs.requests()
    assert [(line["request_id"], line["status"]) for line in lines] == [
        (sent, 404),
        (bad_token.headers["X-Request-ID"], 401),
    ]
    assert lines[0]["user_id"] == world.admin.id
    assert lines[1]["user_id"] is None
    assert "nope" not in logs.text


def test_a_bad_request_id_is_replaced(http: TestClient, logs: Logs) -> None:
    for bad in ("x" * 129, "has space", "semi;colon", "", b"caf\xe9"):
        answer = http.get("/healthz", headers={"X-Request-ID": bad})
        made = answer.headers["X-Request-ID"]
        assert made not in (bad, "caf\xe9") and re.fullmatch(r"[0-9a-f]{32}", made), (bad, made)
    assert answer.headers.get_list("X-Request-ID") == [made]
    ok = "a" * 128
    assert http.get("/healthz", headers={"X-Request-ID": ok}).headers["X-Request-ID"] == ok
    assert [line["request_id"] for line in logs.requests()][-1] == ok


def test_a_server_fault_is_logged_as_500_with_its_id_in_the_answer(
    http: TestClient, world: World, logs: Logs
) -> None:
    app = http.app
    assert hasattr(app, "router")

    def boom() -> None:
        raise RuntimeError("a fault with a secret: hunter2")

    app.router.add_api_route("/api/v1/boom", boom, route_class_override=ApiRoute)  # type: ignore[attr-defined]
    answer = http.get("/api/v1/boom", headers={**world.admin.headers, "X-Request-ID": "fault-1"})
    assert not problem_failures(answer, 500)
    assert answer.json()["request_id"] == "fault-1"
    assert answer.headers["X-Request-ID"] == "fault-1"
    (line,) = logs.requests()
    assert (line["request_id"], line["route"], line["status"]) == ("fault-1", "/api/v1/boom", 500)
    assert line["user_id"] == world.admin.id


def test_an_error_page_shows_the_request_id(http: TestClient, world: World) -> None:
    _sign_in(http, world.admin.user.email)
    answer = http.get("/candidates/2000000000", headers={"X-Request-ID": "page-err-7"})
    assert answer.status_code == 404
    assert 'id="request-id">page-err-7<' in answer.text
