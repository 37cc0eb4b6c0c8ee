"""The browser extension, loaded unpacked into Debian's Chromium (headless) by Playwright.

Each test gets its own persistent context (extensions need one) with a copy of `extension/`.
LinkedIn's profile pages are fixture HTML served over HTTPS by a local server (a self-signed
certificate for www.linkedin.com, kept next to this file for the tests only) that Chromium reaches
at `https://www.linkedin.com/in/...` through `--host-resolver-rules`, so no request leaves the
machine; the extension's service worker talks to the live test server over loopback.
"""

from __future__ import annotations

import json
import shutil
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    BrowserContext,
    Locator,
    Page,
    Playwright,
    expect,
)

from tests.conftest import LiveServer

HERE = Path(__file__).resolve().parent
EXTENSION = HERE.parents[1] / "extension"
CHROMIUM = "/usr/bin/chromium"


def profile_html(
    name: str = "Jane Doe",
    headline: str = "Staff Engineer at Initech",
    *,
    h1: bool = True,
) -> str:
    """A LinkedIn profile page, reduced to what the extension reads: the `<h1>`, the document
    title ("Name | LinkedIn"), og: tags and the headline element. The page's own styles are
    deliberately loud, to show that they do not reach the panel."""
    heading = f"<h1>{name}</h1>" if h1 else ""
    return f"""<!doctype html>
<html><head>
<title>{name} | LinkedIn</title>
<meta property="og:title" content="{name} - {headline} | LinkedIn">
<meta property="og:description" content="{headline}">
<style>* {{ color: red !important; font-size: 30px !important; }}</style>
</head><body><main>{heading}<div class="text-body-medium">{headline}</div></main></body></html>"""


class FakeLinkedIn:
    """`https://www.linkedin.com` for the tests: the profile pages in `pages` (slug -> HTML)."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                slug = path.removeprefix("/in/").split("/", 1)[0].lower()
                if path == "/favicon.ico":
                    self.send_response(204)
                    self.end_headers()
                    return
                body = pages.get(slug) if path.startswith("/in/") else None
                status = 200 if body is not None else 404
                data = (body or "<h1>Not found</h1>").encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(HERE / "fixture-cert.pem", HERE / "fixture-key.pem")
        self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def linkedin() -> Iterator[FakeLinkedIn]:
    site = FakeLinkedIn()
    yield site
    site.close()


def og_only_html(name: str, headline: str) -> str:
    """Another markup variant: no `<h1>` and no headline element, a generic title; only the og:
    tags say who this is."""
    return f"""<!doctype html>
<html><head>
<title>(3) LinkedIn</title>
<meta property="og:title" content="{name} - {headline} | LinkedIn">
<meta property="og:description" content="{headline}">
</head><body><div id="app"><p>Loading…</p></div></body></html>"""


@dataclass
class Browser:
    context: BrowserContext
    extension_id: str
    pages: dict[str, str]
    # Errors logged in the console of any page or of the extension's service worker.
    console_errors: list[str]

    def options(self) -> Page:
        page = self.context.new_page()
        page.goto(f"chrome-extension://{self.extension_id}/options.html")
        # The saved settings are read in asynchronously: typed before, a value could be
        # replaced by them (the page keeps typed values, but wait for a settled form).
        page.locator("form#options[data-loaded]").wait_for()
        return page

    def configure(self, server_url: str, token: str) -> Page:
        """Fill in the options and test the connection; the page shows the result."""
        page = self.options()
        page.get_by_label("Server URL").fill(server_url)
        page.get_by_label("API token").fill(token)
        page.get_by_role("button", name="Test connection").click()
        expect(page.locator("#result")).not_to_have_text("Testing…")
        return page

    def extensions_page(self) -> Page:
        """chrome://extensions, whose `chrome.developerPrivate` tells what Chromium thinks of the
        extension (manifest errors, install warnings)."""
        page = self.context.new_page()
        page.goto("chrome://extensions")
        return page

    def extension_info(self, page: Page) -> dict[str, Any]:
        info: dict[str, Any] = page.evaluate(
            "id => chrome.developerPrivate.getExtensionInfo(id)", self.extension_id
        )
        return info

    def profile(self, slug: str) -> Page:
        page = self.context.new_page()
        page.goto(f"https://www.linkedin.com/in/{slug}/")
        expect(panel(page)).to_be_visible()
        return page


def panel(page: Page) -> Locator:
    return page.locator("#reachout-panel-host section.panel")


@pytest.fixture
def browser(
    playwright: Playwright, live_server: LiveServer, linkedin: FakeLinkedIn, tmp_path: Path
) -> Iterator[Browser]:
    ext = tmp_path / "extension"
    shutil.copytree(EXTENSION, ext)
    manifest = json.loads((ext / "manifest.json").read_text())
    # Headless Chromium has no permission prompt to click, so the optional host permission the
    # options page requests could never be granted: this copy's manifest grants access to the
    # loopback test server (any port) up front, and the extension's own request then resolves.
    manifest["host_permissions"] = ["http://127.0.0.1/*"]
    (ext / "manifest.json").write_text(json.dumps(manifest))
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            f"--disable-extensions-except={ext}",
            f"--load-extension={ext}",
            f"--host-resolver-rules=MAP www.linkedin.com 127.0.0.1:{linkedin.port}",
            "--ignore-certificate-errors",
        ],
    )
    linkedin.pages.clear()
    errors: list[str] = []
    context.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    context.on("weberror", lambda e: errors.append(str(e.error)))
    try:
        workers = context.service_workers
        worker = workers[0] if workers else context.wait_for_event("serviceworker")
        extension_id = worker.url.split("/")[2]
        yield Browser(
            context=context,
            extension_id=extension_id,
            pages=linkedin.pages,
            console_errors=errors,
        )
    finally:
        context.close()
