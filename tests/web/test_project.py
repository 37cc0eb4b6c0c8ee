from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from reachout.db import Database
from reachout.models import Candidate, Project, ProjectCandidate, Touchpoint
from tests.factories import World, make_project


def _project(db: Database, world: World, size: int) -> int:
    """A project of `size` candidates, inserted in one statement each (120 is quick)."""
    with db.unit_of_work() as s:
        project = make_project(s, team=world.team, name="Senior Backend Engineer")
        rows = [{"team_id": world.team.id, "name": f"Person {i:03d}"} for i in range(size)]
        s.execute(Candidate.__table__.insert(), rows)
        ids = s.scalars(select(Candidate.id).where(Candidate.team_id == world.team.id)).all()
        s.execute(
            ProjectCandidate.__table__.insert(),
            [{"project_id": project.id, "candidate_id": i} for i in ids],
        )
        return project.id


def _live_touchpoints(db: Database) -> int:
    with db.unit_of_work() as s:
        stmt = select(func.count()).select_from(Touchpoint).where(Touchpoint.deleted_at.is_(None))
        return s.scalar(stmt) or 0


def _open_dialog(page: Page) -> None:
    page.get_by_role("button", name="More").click()
    page.get_by_role("menuitem", name="Log Outreach/Reply").click()
    expect(page.get_by_role("dialog", name="Log Outreach/Reply")).to_be_visible()


def test_bulk_log_a_text_for_three_selected_and_undo_it(
    page: Page, world: World, db: Database
) -> None:
    project_id = _project(db, world, 5)
    page.goto("/projects")
    page.get_by_role("link", name="Senior Backend Engineer").click()
    for name in ("Person 000", "Person 002", "Person 004"):
        page.get_by_label(f"Select {name}").check()
    expect(page.locator("#selection-count")).to_have_text("3 selected")
    _open_dialog(page)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("For the 3 selected candidates.")
    dialog.get_by_label("Type").select_option(label="Text")
    dialog.get_by_role("button", name="Save activity").click()
    expect(dialog.locator("#bulk-result")).to_contain_text(
        "Logged 3 touchpoints: 3 initial, 0 follow-up."
    )
    assert _live_touchpoints(db) == 3
    dialog.get_by_role("button", name="Undo").click()
    expect(dialog.locator("#bulk-result")).to_contain_text("Undone")
    assert _live_touchpoints(db) == 0
    assert page.url.endswith(f"/projects/{project_id}")


def test_select_all_means_every_candidate_of_the_project(
    page: Page, world: World, db: Database
) -> None:
    project_id = _project(db, world, 120)
    page.goto(f"/projects/{project_id}")
    expect(page.locator("[data-row-check]")).to_have_count(50)  # one page of the 120
    page.get_by_label("Select all 120 candidates of the project").check()
    expect(page.locator("#selection-count")).to_have_text("All 120 candidates selected")
    _open_dialog(page)
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Type").select_option(label="InMail")
    dialog.get_by_label("Outreach/Reply").select_option(label="Follow-up")
    dialog.get_by_role("button", name="Save activity").click()
    expect(dialog.locator("#bulk-result")).to_contain_text(
        "Logged 120 touchpoints: 0 initial, 120 follow-up."
    )
    assert _live_touchpoints(db) == 120


def test_bulk_reply_with_a_status(page: Page, world: World, db: Database) -> None:
    project_id = _project(db, world, 2)
    page.goto(f"/projects/{project_id}")
    page.get_by_label("Select Person 001").check()
    _open_dialog(page)
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Type").select_option(label="Call")
    dialog.get_by_label("Outreach/Reply").select_option(label="Reply")
    dialog.get_by_label("Reply Status").select_option(label="Not interested")
    dialog.get_by_role("button", name="Save activity").click()
    expect(dialog.locator("#bulk-result")).to_contain_text("Logged 1 touchpoint: 1 reply.")
    with db.unit_of_work() as s:
        row = s.scalars(select(Touchpoint)).one()
        assert (row.kind, row.channel, row.reply_status) == ("reply", "call", "not_interested")


def test_the_dialog_is_keyboard_usable(page: Page, world: World, db: Database) -> None:
    project_id = _project(db, world, 3)
    page.goto(f"/projects/{project_id}")
    page.get_by_label("Select Person 000").check()
    more = page.get_by_role("button", name="More")
    more.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitem", name="Log Outreach/Reply")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Log Outreach/Reply")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Type")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(more).to_be_focused()
    assert _live_touchpoints(db) == 0


def test_nothing_selected_opens_no_dialog(page: Page, world: World, db: Database) -> None:
    project_id = _project(db, world, 2)
    page.goto(f"/projects/{project_id}")
    page.get_by_role("button", name="More").click()
    page.get_by_role("menuitem", name="Log Outreach/Reply").click()
    expect(page.get_by_role("alert").filter(has_text="Select at least one")).to_be_visible()
    expect(page.get_by_role("dialog")).to_be_hidden()
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Project)) == 1
