"""The views a recruiter opens every morning (issue 17), in the browser: the candidates list's
filters and order kept in its address, Follow-ups with Log Activity a click away, and the
keyboard shortcuts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect
from sqlalchemy import select

from reachout.db import Database
from reachout.models import Touchpoint, User
from reachout.models.enums import Channel, Kind, ReplyStatus
from tests.factories import World, make_candidate, make_project
from tests.touchpoints.helpers import log


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _expect_rows(page: Page, names: list[str]) -> None:
    """The list shows these candidates, in this order (waiting for the page or swap)."""
    expect(page.locator("table.list tbody td.name a")).to_have_text(names)


def test_filters_and_order_are_kept_in_the_address(page: Page, world: World, db: Database) -> None:
    now = datetime.now(UTC)
    with db.unit_of_work() as s:
        admin, member = s.get_one(User, world.admin.id), s.get_one(User, world.member.id)
        later = {"kind": Kind.reply, "reply_status": ReplyStatus.later}
        for name, days, who in [("Grace", 9, admin), ("Alan", 2, member), ("Ada", 5, admin)]:
            candidate = make_candidate(s, team=world.team, name=name)
            log(s, who, candidate.id, now - timedelta(days=days))
            log(s, who, candidate.id, now - timedelta(days=days - 1), **later)  # type: ignore[arg-type]
        make_candidate(s, team=world.team, name="Never contacted")
        make_project(s, team=world.team, name="Shortlist")
    page.goto("/candidates")
    expect(page.locator("#result-count")).to_have_text("4 candidates")
    page.get_by_text("Filters and sort").click()
    page.get_by_label("Latest reply").select_option(label="Follow up later")
    expect(page.locator("#result-count")).to_have_text("3 candidates found")
    page.get_by_label("Sort").select_option(label="Last contacted, newest first")
    _expect_rows(page, ["Alan", "Ada", "Grace"])
    page.get_by_label("Owner").select_option(label=world.admin.user.name)
    expect(page.locator("#result-count")).to_have_text("2 candidates found")
    _expect_rows(page, ["Ada", "Grace"])
    # The view is in the address, in one spelling (no blank fields), and reads back as it was.
    view = {"reply": ["later"], "owner_id": [str(world.admin.id)], "sort": ["-last_contacted"]}
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query) == view)
    page.reload()
    _expect_rows(page, ["Ada", "Grace"])
    # Select-all is every candidate the search and the filters find.
    page.get_by_label("Select all 2 candidates matching the filters").check()
    page.get_by_label("Project", exact=True).select_option(label="Shortlist")
    page.get_by_role("button", name="Add to project").click()
    expect(page.locator("#membership-result")).to_have_text("Added 2 candidates to Shortlist.")
    expect(page.get_by_label("Latest reply")).to_have_value("later")
    expect(page.get_by_label("Sort")).to_have_value("-last_contacted")
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Last contacted")
    # A column's header sorts by it; a shared address opens the same view.
    page.get_by_role("link", name="Name").click()
    page.wait_for_url("**sort=name**")
    _expect_rows(page, ["Ada", "Grace"])
    page.get_by_role("link", name="Name ▲").click()
    page.wait_for_url("**sort=-name**")
    _expect_rows(page, ["Grace", "Ada"])
    page.goto("/candidates?contacted_from=2026-02-30")
    expect(page.get_by_role("alert")).to_contain_text(
        "Last contacted from: 2026-02-30 is not a day of the calendar"
    )


def test_page_jumps(page: Page, world: World, db: Database) -> None:
    with db.unit_of_work() as s:
        for i in range(120):
            make_candidate(s, team=world.team, name=f"Person {i:03d}", emails=[])
    page.goto("/candidates?sort=-name")
    expect(page.locator("#result-count")).to_have_text("120 candidates · page 1 of 3")
    page.get_by_role("link", name="Last page").click()
    expect(page.locator("#result-count")).to_contain_text("page 3 of 3")
    rows = page.locator("table.list tbody td.name a")
    expect(rows.first).to_have_text("Person 019")
    expect(rows).to_have_count(20)
    assert _query(page) == {"sort": ["-name"], "page": ["3"]}
    page.get_by_role("link", name="Page 2").click()
    expect(page.locator(".page-numbers [aria-current=page]")).to_have_text("2")
    expect(rows.first).to_have_text("Person 069")
    page.get_by_role("link", name="Previous page").click()
    expect(rows.first).to_have_text("Person 119")
    expect(page.get_by_role("link", name="First page")).to_have_count(0)


def test_follow_ups_show_the_due_candidate_and_log_a_call_from_there(
    page: Page, world: World, db: Database
) -> None:
    now = datetime.now(UTC)
    with db.unit_of_work() as s:
        admin = s.get_one(User, world.admin.id)
        waiting = make_candidate(s, team=world.team, name="Waiting Walter")
        log(s, admin, waiting.id, now - timedelta(days=6), channel=Channel.inmail)
        fresh = make_candidate(s, team=world.team, name="Fresh Fiona")
        log(s, admin, fresh.id, now - timedelta(hours=2))
        waiting_id = waiting.id
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Follow-ups").click()
    expect(page.get_by_role("heading", name="Follow-ups due")).to_be_visible()
    row = page.locator("table.follow-ups tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Waiting Walter")
    expect(row).to_contain_text("No reply since")
    expect(row).to_contain_text("InMail")
    page.get_by_role("link", name="Log Activity for Waiting Walter").click()
    page.wait_for_url(f"**/candidates/{waiting_id}?log=1")
    form = page.get_by_role("form", name="Log Activity")
    expect(form).to_be_visible()
    expect(form.get_by_label("Type")).to_be_focused()
    form.get_by_label("Type").select_option(label="Call")
    form.get_by_role("button", name="Save activity").click()
    expect(page.locator("#activity-status")).to_contain_text("Saved: Call")
    with db.unit_of_work() as s:
        calls = s.scalars(
            select(Touchpoint).where(
                Touchpoint.candidate_id == waiting_id, Touchpoint.channel == "call"
            )
        ).all()
        assert [(c.kind, c.user_id) for c in calls] == [("outreach", world.admin.id)]
    # Contacted today: not due for three more days.
    page.goto("/follow-ups")
    expect(page.locator("#follow-ups-empty")).to_be_visible()
    page.get_by_label("No reply after (days)").fill("0")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table.follow-ups tbody tr")).to_have_count(2)


def test_keyboard_shortcuts(page: Page, world: World, db: Database) -> None:
    with db.unit_of_work() as s:
        candidate_id = make_candidate(s, team=world.team, name="Keyboard Kim").id
    search = page.get_by_label("Search")
    page.locator("body").press("/")
    expect(search).to_be_focused()
    # Typed in a field, the keys are the field's.
    page.keyboard.type("k/?l")
    expect(search).to_have_value("k/?l")
    expect(page.get_by_role("dialog")).to_have_count(0)
    search.fill("")
    page.locator("h1").click()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("listitem")).to_have_count(4)
    expect(dialog.get_by_role("listitem").first).to_contain_text("search")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # The header's Shortcuts opens it too, and Esc gives the focus back.
    page.get_by_role("button", name="Shortcuts").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Shortcuts")).to_be_focused()
    # l: Log Activity on a profile, its first field ready.
    page.goto(f"/candidates/{candidate_id}")
    form = page.get_by_role("form", name="Log Activity")
    expect(form).to_be_hidden()
    page.locator("h1").click()
    page.keyboard.press("l")
    expect(form).to_be_visible()
    expect(form.get_by_label("Type")).to_be_focused()
    form.get_by_label("Note").fill("l for later")
    expect(form.get_by_label("Note")).to_have_value("l for later")
