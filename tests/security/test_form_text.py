"""Text the pages pass to the users service without a schema: found by test_page_input.py."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from reachout.db import Database
from reachout.models import ApiToken, SignInFailure, User
from reachout.users.signin import MAX_FAILURES_PER_EMAIL
from tests.conftest import LiveServer
from tests.security.conftest import WebClient


def test_nul_or_over_long_text_in_the_settings_forms_is_refused(
    db: Database, web: WebClient
) -> None:
    # Each of these was a 500 on PostgreSQL (NUL, or longer than the column).
    csrf = web.csrf("/settings")
    for path, form in [
        ("/settings/members", {"email": "nul@example.com", "name": "A\x00B"}),
        ("/settings/members", {"email": "n\x00l@example.com"}),
        ("/settings/members", {"email": "long@example.com", "name": "n" * 201}),
        ("/settings/members", {"email": "l" * 400 + "@example.com"}),
        ("/settings/tokens", {"label": "lap\x00top"}),
    ]:
        answer = web.send("POST", path, form=form, csrf=csrf)
        assert answer.status_code == 422, (path, form, answer.status_code)
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 3  # the world's, no more
        assert s.scalar(select(func.count()).select_from(ApiToken)) == 3


def test_an_odd_email_is_a_failed_sign_in_and_counts_toward_the_limit(
    live_server: LiveServer, db: Database
) -> None:
    long_email = "x" * 400 + "@example.com"
    with httpx.Client(base_url=live_server.url) as http:
        web = WebClient(http)
        for _ in range(MAX_FAILURES_PER_EMAIL):
            form = {"email": long_email, "password": "guess", "csrf_token": web.csrf()}
            assert http.post("/sign-in", data=form).status_code == 401
        # Failures were stored under the email cut to its column and once were counted under
        # the whole one, so an over-long email was never limited.
        form = {"email": long_email, "password": "guess", "csrf_token": web.csrf()}
        assert http.post("/sign-in", data=form).status_code == 429
        form = {"email": "a\x00b@x.io", "password": "guess", "csrf_token": web.csrf()}
        assert http.post("/sign-in", data=form).status_code == 401
    with db.unit_of_work() as s:
        keys = s.scalars(select(SignInFailure.email_key)).all()
        assert len(keys) == MAX_FAILURES_PER_EMAIL + 1
        assert all(len(k) <= 320 and "\x00" not in k for k in keys)
