"""Browser tests: Playwright drives Debian's Chromium against the live server on loopback.

On failure a test leaves a screenshot and the page's HTML in `artifacts/` (at the repository
root), which CI keeps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    StorageState,
    ViewportSize,
)
from sqlalchemy import inspect, select

from reachout.db import Database
from reachout.models import StoredSession, User
from tests.conftest import LiveServer
from tests.factories import PASSWORD, World

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}  # the smallest screen the app is laid out for


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def _new_context(
    browser: Browser,
    live_server: LiveServer,
    storage_state: StorageState | None = None,
    viewport: ViewportSize = DESKTOP,
) -> BrowserContext:
    context = browser.new_context(
        base_url=live_server.url, viewport=viewport, storage_state=storage_state
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def contexts(
    browser: Browser, live_server: LiveServer, db: Database, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """Opens browser contexts for the test; saves their pages if it fails, then closes them."""
    opened: list[BrowserContext] = []

    def open_context(
        storage_state: StorageState | None = None, viewport: ViewportSize = DESKTOP
    ) -> BrowserContext:
        opened.append(_new_context(browser, live_server, storage_state, viewport))
        return opened[-1]

    yield open_context
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        _save_artifacts(request.node.nodeid, [page for c in opened for page in c.pages])
    for context in opened:
        context.close()


@pytest.fixture
def context(contexts: Callable[[StorageState | None], BrowserContext]) -> BrowserContext:
    """A browser context that nobody is signed in to."""
    return contexts(None)


def _save_artifacts(nodeid: str, pages: list[Page]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)
    for i, page in enumerate(pages):
        name = stem if i == 0 else f"{stem}-{i}"
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
        except Exception as exc:  # the page may have crashed: keep what can be kept
            (ARTIFACTS / f"{name}.error.txt").write_text(repr(exc), encoding="utf-8")


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


class SavedSignIns:
    """One sign-in through the form per worker, database and role; later tests reuse its state.

    A saved browser state alone cannot outlive its test: `db` empties every table after each
    test, web_session included, and `world` makes new users (tests/conftest.py), so the next
    test has neither the session row that the saved cookie names nor the user it named. The
    cookie holds a random secret, signed with a key the live server keeps for its lifetime; the
    web_session row maps that secret's hash to a user. So the first test of a role signs in
    through the real form and keeps the browser state and the row the sign-in wrote; each later
    test writes that row back for its own user of the role, and the saved state is signed in.
    """

    def __init__(self, browser: Browser, live_server: LiveServer) -> None:
        self.browser, self.live_server = browser, live_server
        self.saved: dict[str, tuple[StorageState, dict[str, Any]]] = {}

    def state_of(self, role: str, user: User) -> StorageState:
        if role not in self.saved:
            self.saved[role] = self._sign_in(user)
            return self.saved[role][0]
        state, row = self.saved[role]
        same_secret = StoredSession.secret_hash == row["secret_hash"]
        with self.live_server.db.unit_of_work() as s:
            owner = s.scalar(select(StoredSession.user_id).where(same_secret))
            if owner is None:
                s.add(StoredSession(**row, user_id=user.id))
            else:  # a second context of the same role in this test: the row is there already
                assert owner == user.id, "a session row outlived its test"
        return state

    def _sign_in(self, user: User) -> tuple[StorageState, dict[str, Any]]:
        context = _new_context(self.browser, self.live_server)
        try:
            page = context.new_page()
            sign_in(page, user.email)
            page.wait_for_url("**/candidates")
            state = context.storage_state()
        finally:
            context.close()
        with self.live_server.db.unit_of_work() as s:
            stored = s.scalars(select(StoredSession).where(StoredSession.user_id == user.id)).one()
            columns = inspect(StoredSession).column_attrs
            row = {c.key: getattr(stored, c.key) for c in columns if c.key not in ("id", "user_id")}
        return state, row


@pytest.fixture(scope="session")
def saved_sign_ins(browser: Browser, live_server: LiveServer) -> SavedSignIns:
    """The sign-ins of one worker on one database (the live server is per database)."""
    return SavedSignIns(browser, live_server)


@pytest.fixture
def signed_in(
    contexts: Callable[..., BrowserContext],
    saved_sign_ins: SavedSignIns,
    world: World,
) -> Callable[..., BrowserContext]:
    """A new browser context signed in as `world`'s "admin", "member" or "outsider".

    `viewport=PHONE` opens it on a phone's screen.
    """

    def open_as(role: str, viewport: ViewportSize = DESKTOP) -> BrowserContext:
        actor = getattr(world, role)
        return contexts(saved_sign_ins.state_of(role, actor.user), viewport)

    return open_as


@pytest.fixture
def page(signed_in: Callable[[str], BrowserContext]) -> Page:
    """A page signed in as the admin of team A (`world`), on the candidates list."""
    page = signed_in("admin").new_page()
    page.goto("/candidates")
    # Signed out, the page would have been sent on to /sign-in?next=%2Fcandidates.
    assert urlsplit(page.url).path == "/candidates", f"the saved sign-in did not hold: {page.url}"
    return page
