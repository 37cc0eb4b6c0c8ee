"""The Sending hours section of the settings page: admins change it, members read it."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest

from reachout.db import Database
from reachout.models import Team
from tests.conftest import LiveServer
from tests.factories import World
from tests.security.conftest import WebClient

FORM = {
    "days": ["mon", "wed", "sat"],
    "start": " 07:30 ",
    "end": "24:00",
    "holidays": "2026-12-25, 2026-12-24\n2027-01-01\n\n2026-12-25",
    "daily_send_cap": "75",
}


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


def section(page: str) -> str:
    """The Sending hours section of the settings page."""
    found = re.search(r'<section[^>]*aria-labelledby="sending-h".*?</section>', page, re.S)
    assert found, page
    return found.group(0)


def save(web: WebClient, form: dict[str, object]) -> httpx.Response:
    return web.send("POST", "/settings/sending-hours", form=form, csrf=web.csrf("/settings"))


def team(db: Database, world: World) -> Team:
    with db.unit_of_work() as s:
        return s.get_one(Team, world.team.id)


def test_an_admin_saves_the_sending_hours_and_sees_them(
    db: Database, world: World, signed_in: dict[str, WebClient]
) -> None:
    web = signed_in["admin"]
    shown = section(web.send("GET", "/settings").text)
    assert 'value="mon" checked' in shown and 'value="sat" ' in shown
    assert 'value="08:00"' in shown and 'value="18:00"' in shown and 'value="200"' in shown

    r = save(web, FORM)
    assert (r.status_code, r.headers["location"]) == (303, "/settings?saved=sending"), r.text
    saved = team(db, world)
    assert (saved.sending_days, saved.sending_start, saved.sending_end) == (
        "mon,wed,sat",
        "07:30",
        "24:00",
    )
    assert saved.holidays == ["2026-12-24", "2026-12-25", "2027-01-01"]
    assert saved.daily_send_cap == 75

    page = web.send("GET", "/settings?saved=sending").text
    assert "Saved." in page
    shown = section(page)
    checked = re.findall(r'value="(\w+)" checked', shown)
    assert checked == ["mon", "wed", "sat"]
    assert "2026-12-24\n2026-12-25\n2027-01-01</textarea>" in shown
    assert 'value="07:30"' in shown and 'value="24:00"' in shown and 'value="75"' in shown
    assert "Save sending hours" in shown and "disabled" not in shown


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"days": []}, "at least one day"),
        ({"start": "7:30"}, 'sending_hours.start: must be a time "HH:MM"'),
        ({"start": "18:00", "end": "09:00"}, "start 18:00 must be before end 09:00"),
        (
            {"holidays": "2026-12-25\nChristmas"},
            "holidays.1: must be a date, YYYY-MM-DD, not 'Christmas'",
        ),
        ({"holidays": "2026-02-30"}, "2026-02-30 is not a day of the calendar"),
        ({"daily_send_cap": "0"}, "daily_send_cap"),
        ({"daily_send_cap": "many"}, "daily_send_cap: must be a whole number"),
        ({"daily_send_cap": ""}, "daily_send_cap: must be a whole number"),
    ],
)
def test_a_bad_value_is_said_and_what_was_typed_is_kept(
    db: Database,
    world: World,
    signed_in: dict[str, WebClient],
    change: dict[str, object],
    message: str,
) -> None:
    form = FORM | {"holidays": "2031-01-01"} | change
    r = save(signed_in["admin"], form)
    assert r.status_code == 422, r.text
    shown = section(r.text)
    alert = re.search(r'<p class="error" role="alert">(.*?)</p>', shown, re.S)
    assert alert and message in html.unescape(alert.group(1)), shown
    assert html.escape(str(form["holidays"]), quote=False) in shown
    assert f'value="{form["daily_send_cap"]}"' in shown
    assert team(db, world).daily_send_cap == 200  # nothing saved


def test_a_member_reads_the_sending_hours_and_cannot_change_them(
    db: Database, world: World, signed_in: dict[str, WebClient]
) -> None:
    web = signed_in["member"]
    shown = section(web.send("GET", "/settings").text)
    assert "Save sending hours" not in shown
    assert shown.count("disabled") == 7 + 4  # the days, start, end, holidays and cap
    r = save(web, FORM)
    assert r.status_code == 403
    assert "only an admin" in section(r.text)
    assert team(db, world).daily_send_cap == 200


def test_user_text_is_escaped_when_shown_again(signed_in: dict[str, WebClient]) -> None:
    r = save(signed_in["admin"], FORM | {"holidays": "<script>alert(1)</script>"})
    assert r.status_code == 422
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section(r.text)
