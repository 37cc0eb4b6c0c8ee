"""Browser tests: Playwright drives Debian's Chromium against the live server on loopback.

On failure a test leaves a screenshot and the page's HTML in `artifacts/` (at the repository
root), which CI keeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from reachout.db import Database
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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def context(
    browser: Browser, live_server: LiveServer, db: Database, request: pytest.FixtureRequest
) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        _save_artifacts(request.node.nodeid, context.pages)
    context.close()


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


@pytest.fixture
def page(context: BrowserContext, world: World) -> Page:
    """A page signed in as the admin of team A (`world`)."""
    page = context.new_page()
    sign_in(page, world.admin.user.email)
    page.wait_for_url("**/candidates")
    return page
