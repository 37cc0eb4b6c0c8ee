"""Passwords and API tokens are never stored in clear (SPEC §4: tokens are stored hashed).

Users and tokens are made every way the app makes them (the API, the settings page, the
services the CLI calls), used, and a sign-in is failed; then every column of every table,
the audit log included, is searched for any of those secrets.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from sqlalchemy import inspect, select, text

from reachout.db import Database
from reachout.kit import security
from reachout.models import ApiToken, AuditEvent, User
from tests.conftest import LiveServer
from tests.factories import PASSWORD, World
from tests.security.conftest import WebClient

TOKEN = re.compile(r"ro_[A-Za-z0-9_-]{40,}")


def every_value(db: Database) -> list[tuple[str, str, str]]:
    """(table, column, value as text) of every cell of the database."""
    out = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            result = conn.execute(text(f'SELECT * FROM "{table}"'))
            columns = list(result.keys())
            for row in result:
                out += [(table, c, as_text(v)) for c, v in zip(columns, row, strict=True)]
    return out


def as_text(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def test_no_password_or_token_is_stored_in_clear(
    live_server: LiveServer, client: httpx.Client, db: Database, world: World, web: WebClient
) -> None:
    admin = world.admin.headers
    by_api, by_page, mistyped = "api-Pass-7f3k2q", "page-Pass-9d8s7a", "not-it-Pass-4x1"
    added = client.post(
        "/users",
        json={"email": "ada@example.com", "password": by_api},
        headers={**admin, "Idempotency-Key": "add-ada"},
    )
    assert added.status_code == 201, added.text
    generated = client.post("/users", json={"email": "alan@example.com"}, headers=admin)
    shown_once = generated.json()["password"]
    page = web.send(
        "POST",
        "/settings/members",
        form={"email": "grace@example.com", "password": by_page},
        csrf=web.csrf("/settings"),
    )
    assert page.status_code == 200
    api_token = client.post(
        "/tokens", json={"label": "ci"}, headers={**admin, "Idempotency-Key": "token-ci"}
    ).json()["token"]
    page = web.send(
        "POST", "/settings/tokens", form={"label": "laptop"}, csrf=web.csrf("/settings")
    )
    page_token = TOKEN.search(page.text)
    assert page_token is not None
    # Use them all, and fail a sign-in: whatever is recorded of use or failure is searched too.
    for token in (api_token, page_token[0]):
        assert client.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        created = client.post(
            "/projects", json={"name": token[-8:]}, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201
    for email, password in [
        ("ada@example.com", by_api),
        ("grace@example.com", by_page),
        ("alan@example.com", shown_once),
    ]:
        with httpx.Client(base_url=live_server.url) as http:
            WebClient(http).sign_in(email, password)
    with httpx.Client(base_url=live_server.url) as http:
        form = {"email": "ada@example.com", "password": mistyped}
        form["csrf_token"] = WebClient(http).csrf()
        assert http.post("/sign-in", data=form).status_code == 401

    # A mailbox's app password (SPEC §10) is stored encrypted, and read back to log in.
    mailbox_password = "imap-Pass-6h2w9e"
    connected = client.put(
        "/me/mailbox",
        json={
            "host": "imap.example.org",
            "port": 993,
            "username": "admin@example.org",
            "password": mailbox_password,
        },
        headers=admin,
    )
    assert connected.status_code == 200 and mailbox_password not in connected.text
    with db.unit_of_work() as s:
        from reachout.mailbox.service import server_of
        from reachout.models import Mailbox

        stored_mailbox = s.scalars(select(Mailbox)).one()
        assert server_of(s, db.settings, stored_mailbox).password == mailbox_password

    passwords = [PASSWORD, by_api, by_page, shown_once, mistyped, mailbox_password]
    tokens = [api_token, page_token[0], world.admin.token, world.member.token]
    # A token without its fixed prefix is still the secret.
    secrets = passwords + tokens + [t.removeprefix(security.TOKEN_PREFIX) for t in tokens]
    cells = every_value(db)
    leaks = [(t, c) for t, c, v in cells for s in secrets if s in v]
    assert not leaks, f"secrets stored in clear in {sorted(set(leaks))}"
    assert {t for t, _, _ in cells} >= {"app_user", "api_token", "audit_event", "sign_in_failure"}

    with db.unit_of_work() as s:
        users = s.scalars(select(User).where(User.team_id == world.team.id)).all()
        assert len(users) == 5 and all(u.password_hash.startswith("$argon2") for u in users)
        stored = set(s.scalars(select(ApiToken.token_hash)))
        assert {security.hash_token(t) for t in tokens} <= stored
        # The audit log recorded those users and tokens, so it was searched with them in it.
        audited = s.execute(select(AuditEvent.entity_type, AuditEvent.action)).all()
        assert audited.count(("user", "create")) >= 3
        assert audited.count(("api_token", "create")) >= 2
