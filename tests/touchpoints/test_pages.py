"""The profile's activity pages offer edit and delete only where saving them would be allowed."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from reachout.db import Database
from reachout.models import User
from tests.conftest import LiveServer
from tests.factories import World, at, make_candidate
from tests.security.conftest import WebClient
from tests.touchpoints.helpers import log


@pytest.fixture
def signed_in(live_server: LiveServer, world: World) -> Iterator[dict[str, WebClient]]:
    """A browser-like client for the admin and one for the member of team A."""
    with (
        httpx.Client(base_url=live_server.url, timeout=30) as admin,
        httpx.Client(base_url=live_server.url, timeout=30) as member,
    ):
        clients = {"admin": WebClient(admin), "member": WebClient(member)}
        clients["admin"].sign_in(world.admin.user.email)
        clients["member"].sign_in(world.member.user.email)
        yield clients


def controls(html: str, touchpoint_id: int) -> tuple[bool, bool]:
    """Whether the timeline offers (Edit, Delete) on this entry."""
    return (
        f'hx-get="/touchpoints/{touchpoint_id}/edit"' in html,
        f'hx-post="/touchpoints/{touchpoint_id}/delete"' in html,
    )


def test_a_member_gets_no_edit_form_nor_controls_for_anothers_touchpoint(
    db: Database, world: World, signed_in: dict[str, WebClient]
) -> None:
    with db.unit_of_work() as s:
        candidate_id = make_candidate(s, team=world.team).id
        admin, member = s.get_one(User, world.admin.id), s.get_one(User, world.member.id)
        theirs = log(s, admin, candidate_id, at("2026-03-02 09:00")).id
        mine = log(s, member, candidate_id, at("2026-03-03 09:00")).id
    web = signed_in["member"]

    refused = web.send("GET", f"/touchpoints/{theirs}/edit")
    assert refused.status_code == 403, refused.text
    assert 'name="note"' not in refused.text
    assert web.send("GET", f"/touchpoints/{mine}/edit").status_code == 200
    timeline = web.send("GET", f"/candidates/{candidate_id}/activity")
    assert timeline.status_code == 200
    assert controls(timeline.text, mine) == (True, True)
    assert controls(timeline.text, theirs) == (False, False)

    # An admin may change any entry: the form and both controls on each.
    admin_web = signed_in["admin"]
    assert admin_web.send("GET", f"/touchpoints/{mine}/edit").status_code == 200
    page = admin_web.send("GET", f"/candidates/{candidate_id}").text
    assert controls(page, mine) == controls(page, theirs) == (True, True)
