"""The session cookie: out of scripts' reach, not sent cross-site, Secure over https, signed;
and the session it names ends when its owner signs out, whoever kept a copy of the cookie."""

from __future__ import annotations

from datetime import timedelta
from http.cookies import Morsel, SimpleCookie

import httpx
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select, update

from reachout.db import Database
from reachout.kit import security
from reachout.kit.time import now
from reachout.models import ApiToken, StoredSession
from reachout.web.session import COOKIE, CSRF_FIELD, CSRF_HEADER
from tests.conftest import LiveServer
from tests.factories import PASSWORD, World
from tests.security.conftest import CSRF_INPUT, WebClient
from tests.security.routes import served_app

HTMX = {"HX-Request": "true"}


def session_cookie(answer: httpx.Response) -> Morsel[str]:
    jar: SimpleCookie = SimpleCookie()
    for header in answer.headers.get_list("set-cookie"):
        jar.load(header)
    assert COOKIE in jar, f"no {COOKIE} cookie set: {answer.headers}"
    return jar[COOKIE]


def assert_protected(cookie: Morsel[str], *, secure: bool) -> None:
    assert cookie["httponly"] is True
    assert str(cookie["samesite"]).lower() in ("lax", "strict")
    assert cookie["path"] == "/"
    assert bool(cookie["secure"]) is secure


def test_the_session_cookie_is_http_only_same_site_and_site_wide(
    live_server: LiveServer, world: World
) -> None:
    with httpx.Client(base_url=live_server.url) as http:
        web = WebClient(http)
        first = http.get("/sign-in")
        # Plain http (a local install): a Secure cookie would never come back.
        assert_protected(session_cookie(first), secure=False)
        form = {"email": world.admin.user.email, "password": PASSWORD, "csrf_token": web.csrf()}
        signed_in = http.post("/sign-in", data=form)
        assert signed_in.status_code == 303
        assert_protected(session_cookie(signed_in), secure=False)


def test_over_https_the_session_cookie_is_secure(live_server: LiveServer, world: World) -> None:
    # Behind a TLS proxy on the same host: uvicorn trusts its X-Forwarded-Proto by default.
    https = {"X-Forwarded-Proto": "https"}
    with httpx.Client(base_url=live_server.url, headers=https) as http:
        first = http.get("/sign-in")
        cookie = session_cookie(first)
        assert_protected(cookie, secure=True)
        token = CSRF_INPUT.search(first.text)
        assert token is not None
        form = {"email": world.admin.user.email, "password": PASSWORD, "csrf_token": token[1]}
        # A client keeps a Secure cookie for https URLs only: send it back as the browser would.
        headers = {"Cookie": f"{COOKIE}={cookie.value}"}
        signed_in = http.post("/sign-in", data=form, headers=headers)
        assert signed_in.status_code == 303
        assert_protected(session_cookie(signed_in), secure=True)


def test_a_cookie_signed_with_another_key_signs_nobody_in(
    live_server: LiveServer, world: World
) -> None:
    forged = URLSafeTimedSerializer("not the instance secret", salt="reachout.session").dumps(
        {"csrf": "chosen", "uid": world.admin.id}
    )
    with httpx.Client(base_url=live_server.url, cookies={COOKIE: forged}) as http:
        answer = http.get("/settings")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in")
        # Nor does its CSRF token, chosen by the forger, open the forms.
        refused = http.post("/settings/tokens", data={"label": "x", "csrf_token": "chosen"})
        assert refused.status_code == 403


def test_a_copy_of_the_cookie_signs_nobody_in_after_sign_out(
    live_server: LiveServer, db: Database, world: World
) -> None:
    """Copy the cookie, sign out, put it back: refused, on pages and on forms alike."""
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        web = WebClient(http)
        web.sign_in(world.admin.user.email)
        copied = http.cookies[COOKIE]
        csrf = web.csrf("/settings")
        assert web.send("POST", "/sign-out", csrf=csrf).status_code == 303
    with db.unit_of_work() as s:
        tokens_before = s.scalar(select(func.count()).select_from(ApiToken))
    with httpx.Client(base_url=live_server.url, cookies={COOKIE: copied}, timeout=30) as http:
        for path in ("/settings", "/candidates"):
            page = http.get(path)
            assert page.status_code == 303, path
            assert page.headers["location"].startswith("/sign-in"), path
        # The copy carries the session's CSRF token too: only the session's end refuses these.
        form = http.post("/settings/tokens", data={"label": "stolen", CSRF_FIELD: csrf})
        assert form.status_code == 303
        assert form.headers["location"].startswith("/sign-in")
        fragment = http.post(
            "/settings/tokens", data={"label": "stolen"}, headers={CSRF_HEADER: csrf, **HTMX}
        )
        assert fragment.status_code == 401
        # The sign-in page shows its form (no loop back to the page asked for) and resets it.
        form_page = http.get("/sign-in?next=%2Fsettings")
        assert form_page.status_code == 200
        assert CSRF_INPUT.search(form_page.text)
        assert session_cookie(form_page).value != copied
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(ApiToken)) == tokens_before


def test_signing_in_again_ends_the_session_the_cookie_had(
    live_server: LiveServer, world: World
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        web = WebClient(http)
        web.sign_in(world.admin.user.email)
        first = http.cookies[COOKIE]
        form = {"email": world.member.user.email, "password": PASSWORD}
        answer = http.post("/sign-in", data={**form, CSRF_FIELD: web.csrf("/settings")})
        assert answer.status_code == 303
    with httpx.Client(base_url=live_server.url, cookies={COOKIE: first}) as http:
        assert http.get("/settings").status_code == 303


def test_an_expired_session_signs_nobody_in(
    live_server: LiveServer, db: Database, world: World
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        WebClient(http).sign_in(world.member.user.email)
        with db.unit_of_work() as s:
            s.execute(update(StoredSession).values(expires_at=now() - timedelta(seconds=1)))
        assert http.get("/settings").status_code == 303


def test_the_cookie_holds_the_sessions_secret_and_the_database_its_hash_only(
    live_server: LiveServer, db: Database, world: World
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        WebClient(http).sign_in(world.member.user.email)
        key = served_app(live_server).state.secret_key
        content = URLSafeTimedSerializer(key, salt="reachout.session").loads(http.cookies[COOKIE])
    assert set(content) == {"csrf", "sid"}
    with db.unit_of_work() as s:
        stored = s.execute(select(StoredSession.secret_hash, StoredSession.user_id)).all()
    assert [tuple(row) for row in stored] == [
        (security.hash_token(content["sid"]), world.member.id)
    ]
