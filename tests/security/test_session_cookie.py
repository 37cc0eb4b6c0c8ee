"""The session cookie: out of scripts' reach, not sent cross-site, Secure over https, signed."""

from __future__ import annotations

from http.cookies import Morsel, SimpleCookie

import httpx
from itsdangerous import URLSafeTimedSerializer

from reachout.web.session import COOKIE
from tests.conftest import LiveServer
from tests.factories import PASSWORD, World
from tests.security.conftest import CSRF_INPUT, WebClient


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
