"""A mailbox's settings (SPEC §10): on an update the password may be left out, which keeps the
stored one, but only for the same server, account and security."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from reachout.db import Database
from reachout.errors import Invalid
from reachout.mailbox import service
from reachout.mailbox.schemas import MailboxUpdate
from reachout.models import User
from tests.factories import World
from tests.mailbox.helpers import connect

SAME = {"host": "imap.example.com", "port": 993, "tls": "tls"}


def test_a_password_left_out_keeps_the_stored_one_for_the_same_account(
    db: Database, session: Session, world: World
) -> None:
    user = session.get(User, world.member.id)
    assert user is not None
    mailbox = connect(session, db.settings, user, password="first-Secret-1")
    mailbox.status, mailbox.last_error = "ok", None
    same = {**SAME, "username": user.email}

    kept = service.connect_mailbox(
        session, actor=user, settings=db.settings, data=MailboxUpdate.model_validate(same)
    )
    assert service.server_of(session, db.settings, kept).password == "first-Secret-1"
    # Nothing changed: how the last reading went still holds.
    assert kept.status == "ok"

    # Kept for another server, account or security, it would go where it was never typed.
    for change in ({"host": "imap.elsewhere.example"}, {"port": 143}, {"tls": "none"}):
        with pytest.raises(Invalid) as refused:
            service.connect_mailbox(
                session,
                actor=user,
                settings=db.settings,
                data=MailboxUpdate.model_validate({**same, **change}),
            )
        assert [e.field for e in refused.value.errors] == ["password"]
    with pytest.raises(Invalid):
        other_account = {**same, "username": "someone.else@example.com"}
        service.connect_mailbox(
            session, actor=user, settings=db.settings, data=MailboxUpdate(**other_account)
        )
    assert (mailbox.host, mailbox.port, mailbox.tls, mailbox.username) == (
        "imap.example.com",
        993,
        "tls",
        user.email,
    )

    # With the password, another server is taken, and read from its start.
    moved = service.connect_mailbox(
        session,
        actor=user,
        settings=db.settings,
        data=MailboxUpdate.model_validate(
            {**same, "host": "imap.elsewhere.example", "password": "second-Secret-2"}
        ),
    )
    assert moved.host == "imap.elsewhere.example" and moved.status == "pending"
    assert service.server_of(session, db.settings, moved).password == "second-Secret-2"


def test_a_first_connection_needs_the_password(
    db: Database, session: Session, world: World
) -> None:
    user = session.get(User, world.member.id)
    assert user is not None
    with pytest.raises(Invalid) as refused:
        service.connect_mailbox(
            session,
            actor=user,
            settings=db.settings,
            data=MailboxUpdate.model_validate({**SAME, "username": user.email}),
        )
    assert [e.field for e in refused.value.errors] == ["password"]
    assert service.find_mailbox(session, actor=user) is None


def test_the_api_keeps_the_password_when_it_is_left_out(client: httpx.Client, world: World) -> None:
    def put(body: dict[str, Any]) -> httpx.Response:
        return client.put("/me/mailbox", json=body, headers=world.member.headers)

    body = {**SAME, "username": "recruiter"}
    assert put({**body, "password": "app-Pass-93kd"}).status_code == 200
    kept = put(body)
    assert kept.status_code == 200 and "password" not in kept.json()
    moved = put({**body, "host": "imap.elsewhere.example"})
    assert moved.status_code == 422
    assert [e["field"] for e in moved.json()["errors"]] == ["password"]
    assert client.get("/me/mailbox", headers=world.member.headers).json()["host"] == SAME["host"]
    assert put({**body, "password": ""}).status_code == 422  # empty is not "left out"
