from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import func, select

from reachout.db import Database
from reachout.models import SignInFailure
from reachout.users.signin import MAX_FAILURES_PER_EMAIL
from tests.conftest import LiveServer
from tests.factories import World
from tests.web.conftest import sign_in


@pytest.fixture
def page(context: BrowserContext, world: World) -> Page:
    """The admin of team A, signed in through the form here (other modules reuse a saved
    sign-in): what these tests check is what the form leaves."""
    page = context.new_page()
    sign_in(page, world.admin.user.email)
    page.wait_for_url("**/candidates")
    return page


def test_sign_in_lands_on_candidates_and_sign_out_leaves(page: Page, world: World) -> None:
    expect(page.get_by_role("heading", name="Candidates")).to_be_visible()
    expect(page.locator(".who")).to_contain_text(world.admin.user.name)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    page.goto("/candidates")
    page.wait_for_url("**/sign-in?next=%2Fcandidates")


def test_a_page_asked_for_before_signing_in_opens_after_it(
    context: BrowserContext, world: World
) -> None:
    page = context.new_page()
    page.goto("/projects")
    page.get_by_label("Email").fill(world.member.user.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/projects")


def test_a_wrong_password_is_refused(context: BrowserContext, world: World, db: Database) -> None:
    page = context.new_page()
    sign_in(page, world.admin.user.email, "not the password")
    expect(page.locator("#sign-in-error")).to_have_text("Wrong email or password.")
    page.goto("/candidates")
    page.wait_for_url("**/sign-in**")
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(SignInFailure)) == 1


def test_too_many_failures_refuse_even_the_right_password(
    context: BrowserContext, world: World
) -> None:
    page = context.new_page()
    for _ in range(MAX_FAILURES_PER_EMAIL):
        sign_in(page, world.member.user.email, "guess")
        expect(page.locator("#sign-in-error")).to_have_text("Wrong email or password.")
    sign_in(page, world.member.user.email, "correct horse battery")
    expect(page.locator("#sign-in-error")).to_contain_text("Too many failed sign-ins")
    # Another account is not locked by these failures.
    sign_in(page, world.admin.user.email, "correct horse battery")
    page.wait_for_url("**/candidates")


def test_the_session_cookie_is_http_only_and_same_site(page: Page) -> None:
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["reachout_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    # Served over plain http on loopback: a Secure cookie would never come back.
    assert session["secure"] is False


def test_the_cookie_is_secure_when_served_over_https(live_server: LiveServer, world: World) -> None:
    # Behind a TLS proxy on loopback: uvicorn trusts X-Forwarded-Proto from 127.0.0.1.
    answer = httpx.get(live_server.url + "/sign-in", headers={"X-Forwarded-Proto": "https"})
    cookie = answer.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
