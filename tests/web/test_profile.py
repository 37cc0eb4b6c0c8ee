from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from reachout.db import Database
from reachout.models import Touchpoint
from tests.factories import World, make_candidate


def _candidate(db: Database, world: World, **fields: object) -> int:
    with db.unit_of_work() as s:
        return make_candidate(s, team=world.team, **fields).id


def _log(page: Page, *, channel: str, activity: str, note: str = "", status: str = "") -> None:
    page.get_by_text("Log Activity", exact=True).click()
    form = page.get_by_role("form", name="Log Activity")
    form.get_by_label("Type").select_option(label=channel)
    form.get_by_label("Outreach/Reply").select_option(label=activity)
    if status:
        form.get_by_label("Reply Status").select_option(label=status)
    if note:
        form.get_by_label("Note").fill(note)
    form.get_by_role("button", name="Save activity").click()
    expect(page.locator("#activity-status")).to_contain_text("Saved")


def test_log_an_inmail_and_see_it_in_the_timeline_as_initial(
    page: Page, world: World, db: Database
) -> None:
    candidate_id = _candidate(db, world, name="Ada Lovelace")
    page.goto("/candidates")
    page.get_by_role("link", name="Ada Lovelace").click()
    _log(page, channel="InMail", activity="Auto")
    entry = page.locator("#timeline > li").first
    expect(entry).to_have_attribute("data-designation", "initial")
    expect(entry).to_contain_text("InMail")
    expect(entry).to_contain_text("First reach out")
    expect(entry).to_contain_text(f"by {world.admin.user.name}")
    # Saved in place: the same document, no navigation.
    assert page.url.endswith(f"/candidates/{candidate_id}")
    with db.unit_of_work() as s:
        row = s.scalars(select(Touchpoint)).one()
        assert (row.channel, row.designation, row.user_id) == ("inmail", "initial", world.admin.id)


def test_log_a_reply_with_status_interested(page: Page, world: World, db: Database) -> None:
    candidate_id = _candidate(db, world)
    page.goto(f"/candidates/{candidate_id}")
    _log(page, channel="InMail", activity="Auto")
    _log(page, channel="InMail", activity="Reply", status="Interested")
    entries = page.locator("#timeline > li")
    expect(entries).to_have_count(2)
    expect(entries.first).to_have_attribute("data-kind", "reply")
    expect(entries.first).to_contain_text("Reply · Interested")
    page.goto("/candidates")
    expect(page.locator("table.list")).to_contain_text("Interested")


def test_a_note_with_a_script_is_shown_as_text(page: Page, world: World, db: Database) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    candidate_id = _candidate(db, world)
    page.goto(f"/candidates/{candidate_id}")
    note = "<script>alert(1)</script>"
    _log(page, channel="Text", activity="First reach out", note=note)
    expect(page.locator("#timeline .note").first).to_have_text(note)
    page.reload()
    expect(page.locator("#timeline .note").first).to_have_text(note)
    assert page.locator("#timeline script").count() == 0
    assert dialogs == []


def test_edit_and_delete_an_own_entry(page: Page, world: World, db: Database) -> None:
    page.on("dialog", lambda d: d.accept())
    candidate_id = _candidate(db, world)
    page.goto(f"/candidates/{candidate_id}")
    _log(page, channel="Call", activity="Auto", note="first call")
    page.locator("#timeline > li").first.get_by_role("button", name="Edit").click()
    editor = page.get_by_role("form", name="Edit activity")
    editor.get_by_label("Type").select_option(label="Email")
    editor.get_by_label("Note").fill("sent an email instead")
    editor.get_by_role("button", name="Save activity").click()
    expect(page.locator("#activity-status")).to_have_text("Activity updated.")
    entry = page.locator("#timeline > li").first
    expect(entry).to_contain_text("Email")
    expect(entry).to_contain_text("sent an email instead")
    entry.get_by_role("button", name="Delete").click()
    expect(page.locator("#activity-status")).to_have_text("Activity deleted.")
    expect(page.locator("#timeline-empty")).to_be_visible()
    with db.unit_of_work() as s:
        assert s.scalars(select(Touchpoint.deleted_at)).one() is not None


def test_a_member_cannot_change_someone_elses_entry(
    signed_in: Callable[[str], BrowserContext], page: Page, world: World, db: Database
) -> None:
    candidate_id = _candidate(db, world)
    page.goto(f"/candidates/{candidate_id}")
    _log(page, channel="InMail", activity="Auto")
    member = signed_in("member").new_page()
    member.goto(f"/candidates/{candidate_id}")
    entry = member.locator("#timeline > li").first
    expect(entry).to_contain_text("First reach out")
    expect(entry.get_by_role("button", name="Edit")).to_have_count(0)
    with db.unit_of_work() as s:
        touchpoint_id = s.scalars(select(Touchpoint.id)).one()
    token = member.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = member.request.post(
        f"/touchpoints/{touchpoint_id}/delete", form={"csrf_token": token or ""}
    )
    assert answer.status == 403


def test_a_long_timeline_shows_older_activity_on_demand(
    page: Page, world: World, db: Database
) -> None:
    from datetime import timedelta

    from sqlalchemy import insert

    from reachout.kit.time import now

    candidate_id = _candidate(db, world)
    start = now() - timedelta(days=200)
    with db.unit_of_work() as s:
        rows = [
            {
                "team_id": world.team.id,
                "candidate_id": candidate_id,
                "kind": "outreach",
                "channel": "call",
                "designation": "follow_up" if i else "initial",
                "designation_mode": "explicit",
                "note": f"call {i}",
                "occurred_at": start + timedelta(days=i),
                "local_day": (start + timedelta(days=i)).date(),
                "user_id": world.admin.id,
                "created_by_id": world.admin.id,
                "source": "manual",
            }
            for i in range(130)
        ]
        s.execute(insert(Touchpoint), rows)
    page.goto(f"/candidates/{candidate_id}")
    entries = page.locator("#timeline > li.entry")
    expect(entries).to_have_count(100)
    expect(entries.first).to_contain_text("call 129")
    page.get_by_role("button", name="Show older activity").click()
    expect(entries).to_have_count(130)
    expect(entries.last).to_contain_text("call 0")
    expect(entries.last).to_have_attribute("data-designation", "initial")
    expect(page.get_by_role("button", name="Show older activity")).to_have_count(0)
