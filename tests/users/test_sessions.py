"""Ending web sessions: a password change ends its user's other sessions, a removed member's
sessions and API tokens stop working, and only an admin removes (never themselves)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import select

from reachout.db import Database
from reachout.models import ApiToken, AuditEvent, User
from reachout.users import service as users
from tests.conftest import LiveServer
from tests.factories import PASSWORD, World
from tests.security.conftest import WebClient

NEW_PASSWORD = "a brand new passphrase"


@contextmanager
def signed_in(live_server: LiveServer, email: str, password: str = PASSWORD) -> Iterator[WebClient]:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        web = WebClient(http)
        web.sign_in(email, password)
        yield web


def is_signed_in(web: WebClient) -> bool:
    answer = web.http.get("/settings")
    assert answer.status_code in (200, 303), answer.status_code
    return answer.status_code == 200


def sign_in_status(live_server: LiveServer, email: str, password: str) -> int:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        web = WebClient(http)
        form = {"email": email, "password": password, "csrf_token": web.csrf()}
        return http.post("/sign-in", data=form).status_code


def audited(db: Database, user_id: int) -> list[tuple[str, object]]:
    with db.unit_of_work() as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.after)
            .where(AuditEvent.entity_type == "user", AuditEvent.entity_id == user_id)
            .order_by(AuditEvent.id)
        ).all()
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_password_changed_in_settings_ends_the_other_sessions_only(
    live_server: LiveServer, db: Database, world: World
) -> None:
    email = world.member.user.email
    with signed_in(live_server, email) as here, signed_in(live_server, email) as elsewhere:
        wrong = here.send(
            "POST",
            "/settings/password",
            form={"current_password": "not it", "new_password": NEW_PASSWORD},
            csrf=here.csrf("/settings"),
        )
        assert wrong.status_code == 422
        assert "not your current password" in wrong.text
        assert is_signed_in(elsewhere)
        changed = here.send(
            "POST",
            "/settings/password",
            form={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            csrf=here.csrf("/settings"),
        )
        assert changed.status_code == 303
        assert is_signed_in(here)
        assert not is_signed_in(elsewhere)
    assert sign_in_status(live_server, email, PASSWORD) == 401
    assert sign_in_status(live_server, email, NEW_PASSWORD) == 303
    # The API token was not a session: it goes on working.
    me = httpx.get(live_server.url + "/api/v1/me", headers=world.member.headers)
    assert me.status_code == 200
    assert audited(db, world.member.id)[-1] == ("update", {"password": "changed"})


def test_a_password_changed_through_the_api_ends_every_web_session(
    live_server: LiveServer, client: httpx.Client, world: World
) -> None:
    email = world.member.user.email
    with signed_in(live_server, email) as web:
        body = {"current_password": "not it", "new_password": NEW_PASSWORD}
        wrong = client.put("/me/password", json=body, headers=world.member.headers)
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "current_password"
        short = {"current_password": PASSWORD, "new_password": "short"}
        assert (
            client.put("/me/password", json=short, headers=world.member.headers).status_code == 422
        )
        assert is_signed_in(web)
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        changed = client.put("/me/password", json=body, headers=world.member.headers)
        assert changed.status_code == 204
        assert not is_signed_in(web)
    assert sign_in_status(live_server, email, NEW_PASSWORD) == 303


def test_a_removed_member_is_signed_out_and_their_tokens_stop(
    live_server: LiveServer, client: httpx.Client, db: Database, world: World
) -> None:
    member = world.member
    with signed_in(live_server, member.user.email) as web:
        assert client.get("/me", headers=member.headers).status_code == 200
        removed = client.delete(f"/users/{member.id}", headers=world.admin.headers)
        assert removed.status_code == 204
        assert not is_signed_in(web)
    assert client.get("/me", headers=member.headers).status_code == 401
    assert sign_in_status(live_server, member.user.email, PASSWORD) == 401
    listed = client.get("/users", headers=world.admin.headers)
    assert listed.status_code == 200, listed.text
    assert member.id not in {u["id"] for u in listed.json()["items"]}
    with db.unit_of_work() as s:
        assert s.get_one(User, member.id).is_active is False
        tokens = s.scalars(select(ApiToken).where(ApiToken.user_id == member.id)).all()
        assert tokens and all(t.revoked_at is not None for t in tokens)
        # A token made for them afterwards (the CLI can) is refused all the same.
        _, late = users.create_token(s, user=s.get_one(User, member.id))
    assert client.get("/me", headers={"Authorization": f"Bearer {late}"}).status_code == 401
    assert audited(db, member.id)[-1] == ("remove", {"is_active": False})
    # Removing them again changes nothing and is no error.
    assert client.delete(f"/users/{member.id}", headers=world.admin.headers).status_code == 204


def test_an_admin_removes_a_member_from_the_settings_page(
    live_server: LiveServer, world: World
) -> None:
    with (
        signed_in(live_server, world.admin.user.email) as admin,
        signed_in(live_server, world.member.user.email) as member,
    ):
        answer = admin.send(
            "POST", f"/settings/members/{world.member.id}/remove", csrf=admin.csrf("/settings")
        )
        assert answer.status_code == 303
        assert world.member.user.email not in admin.http.get("/settings").text
        assert not is_signed_in(member)


def test_only_an_admin_removes_members_and_never_themselves(
    live_server: LiveServer, client: httpx.Client, world: World
) -> None:
    refused = client.delete(f"/users/{world.admin.id}", headers=world.member.headers)
    assert refused.status_code == 403
    with signed_in(live_server, world.member.user.email) as member:
        page = member.send(
            "POST", f"/settings/members/{world.admin.id}/remove", csrf=member.csrf("/settings")
        )
        assert page.status_code == 403
    assert client.delete(f"/users/{world.admin.id}", headers=world.admin.headers).status_code == 409
    # Nobody was removed: both still work.
    for actor in (world.admin, world.member):
        assert client.get("/me", headers=actor.headers).status_code == 200
