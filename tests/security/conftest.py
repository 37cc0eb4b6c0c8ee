"""A browser-like HTTP client signed in through the real sign-in form, and a database snapshot."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect, text

from reachout.db import Database
from reachout.web.session import CSRF_HEADER
from tests.conftest import LiveServer
from tests.factories import PASSWORD, World

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebClient:
    """What a browser does: keeps the session cookie, reads the CSRF token from the pages."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def csrf(self, path: str = "/sign-in") -> str:
        page = self.http.get(path)
        found = CSRF_INPUT.search(page.text)
        assert found, f"no CSRF token on {path}: {page.status_code}"
        return found.group(1)

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        form = {"email": email, "password": password, "csrf_token": self.csrf()}
        answer = self.http.post("/sign-in", data=form)
        assert answer.status_code == 303, answer.text
        assert self.http.get("/settings").status_code == 200

    def send(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        csrf: str | None = None,
    ) -> httpx.Response:
        """A page request; `csrf` goes in the header htmx sends (None: no token at all).
        With `files`, the form goes as multipart, as a browser sends an upload."""
        headers = {CSRF_HEADER: csrf} if csrf is not None else {}
        return self.http.request(
            method, path, data=form, params=params, files=files, headers=headers
        )


@pytest.fixture
def web(live_server: LiveServer, world: World) -> Iterator[WebClient]:
    """Signed in as the admin of team A."""
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        client = WebClient(http)
        client.sign_in(world.admin.user.email)
        yield client


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: what "nothing changed" is checked against."""
    with db.engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        return {
            name: sorted(
                (tuple(row) for row in conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr
            )
            for name in tables
        }
