from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from reachout.db import Database
from reachout.kit.time import now
from reachout.models import Candidate
from reachout.touchpoints.schemas import TouchpointCreate
from reachout.touchpoints.service import log_touchpoint
from tests.factories import World, make_candidate, make_project


def test_search_last_contacted_reply_status_and_projects(
    page: Page, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        grace = make_candidate(s, team=world.team, name="Grace Hopper", company="Navy")
        make_candidate(s, team=world.team, name="Alan Turing", company="Bletchley")
        make_project(s, team=world.team, name="Compilers", candidates=[grace])
        admin = s.merge(world.admin.user)
        for kind, status in (("outreach", None), ("reply", "later")):
            data = TouchpointCreate(
                candidate_id=grace.id, channel="inmail", kind=kind, reply_status=status
            )
            log_touchpoint(s, actor=admin, data=data)
    page.goto("/candidates")
    expect(page.locator("table.list tbody tr")).to_have_count(2)
    page.get_by_label("Search").fill("navy")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    row = page.locator("table.list tbody tr").first
    expect(row).to_contain_text("Grace Hopper")
    expect(row).to_contain_text("Follow up later")
    expect(row.get_by_role("link", name="Compilers")).to_be_visible()
    expect(row.locator("td").nth(2)).not_to_have_text("—")
    assert "q=navy" in page.url  # the search is in the address, so it can be shared


def test_the_list_pages_through_many_candidates(page: Page, world: World, db: Database) -> None:
    with db.unit_of_work() as s:
        rows = [{"team_id": world.team.id, "name": f"Person {i:03d}"} for i in range(60)]
        s.execute(Candidate.__table__.insert(), rows)
    page.goto("/candidates")
    expect(page.locator("table.list tbody tr")).to_have_count(50)
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("table.list tbody tr")).to_have_count(10)
    expect(page.locator("table.list")).to_contain_text("Person 059")


def test_add_a_candidate_and_a_duplicate_is_pointed_at(
    page: Page, world: World, db: Database
) -> None:
    page.get_by_text("Add candidate").first.click()
    page.get_by_label("Name").fill("Katherine Johnson")
    page.get_by_label("Email").fill("kj@example.org")
    page.get_by_role("button", name="Add candidate").last.click()
    expect(page.get_by_role("heading", name="Katherine Johnson")).to_be_visible()
    with db.unit_of_work() as s:
        first_id = s.scalars(select(Candidate.id)).one()
    page.goto("/candidates")
    page.get_by_text("Add candidate").first.click()
    page.get_by_label("Name").fill("K. Johnson")
    page.get_by_label("Email").fill("KJ@example.org")
    page.get_by_role("button", name="Add candidate").last.click()
    expect(page.get_by_role("alert").filter(has_text="has the email")).to_be_visible()
    page.get_by_role("link", name="See the existing candidate").click()
    page.wait_for_url(f"**/candidates/{first_id}")


def test_a_backdated_outreach_becomes_the_first_and_the_timeline_follows(
    page: Page, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        candidate = make_candidate(s, team=world.team)
    page.goto(f"/candidates/{candidate.id}")
    page.get_by_text("Log Activity", exact=True).click()
    form = page.get_by_role("form", name="Log Activity")
    form.get_by_label("Type").select_option(label="InMail")
    form.get_by_role("button", name="Save activity").click()
    expect(page.locator("#timeline > li").first).to_have_attribute("data-designation", "initial")
    yesterday = (now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")  # the team is on UTC
    page.get_by_text("Log Activity", exact=True).click()
    form = page.get_by_role("form", name="Log Activity")
    form.get_by_label("Type").select_option(label="Call")
    form.get_by_label("Date and time").fill(yesterday)
    form.get_by_role("button", name="Save activity").click()
    entries = page.locator("#timeline > li")
    expect(entries).to_have_count(2)
    # Newest first: the InMail of today is now a follow-up to yesterday's call.
    expect(entries.nth(0)).to_have_attribute("data-designation", "follow_up")
    expect(entries.nth(1)).to_have_attribute("data-designation", "initial")
    expect(entries.nth(1)).to_contain_text("Call")
