from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import select

from reachout.db import Database
from reachout.kit import security
from reachout.models import Team, User
from tests.conftest import LiveServer
from tests.factories import PASSWORD, World


def test_an_api_token_is_shown_once_works_and_can_be_revoked(
    page: Page, live_server: LiveServer
) -> None:
    page.goto("/settings")
    page.get_by_label("Label").fill("spreadsheet")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token").inner_text()
    me = httpx.get(live_server.url + "/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    page.goto("/settings")
    expect(page.locator("body")).not_to_contain_text(secret)
    row = page.get_by_role("row").filter(has_text="spreadsheet")
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("row").filter(has_text="spreadsheet")).to_contain_text("revoked")
    gone = httpx.get(live_server.url + "/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert gone.status_code == 401


def test_an_admin_adds_a_member_and_sets_roles(page: Page, world: World, db: Database) -> None:
    page.goto("/settings")
    page.get_by_label("Email", exact=True).fill("new.recruiter@example.com")
    page.get_by_label("Name", exact=True).fill("New Recruiter")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("status")).to_contain_text("Added new.recruiter@example.com")
    page.get_by_label("Role of New Recruiter").select_option("admin")
    page.get_by_role("row").filter(has_text="New Recruiter").get_by_role(
        "button", name="Set role"
    ).click()
    expect(page.get_by_label("Role of New Recruiter")).to_have_value("admin")
    with db.unit_of_work() as s:
        added = s.scalars(select(User).where(User.email == "new.recruiter@example.com")).one()
        assert (added.team_id, added.role) == (world.team.id, "admin")


def test_the_team_time_zone_and_reengagement_window(page: Page, world: World, db: Database) -> None:
    page.goto("/settings")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_label("Re-engagement window").fill("30")
    page.get_by_role("button", name="Save team settings").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    with db.unit_of_work() as s:
        team = s.get(Team, world.team.id)
        assert team is not None
        assert (team.time_zone, team.reengage_after_days) == ("Europe/Paris", 30)


def test_a_user_changes_their_password_and_stays_signed_in(
    page: Page, world: World, db: Database
) -> None:
    page.goto("/settings")
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill("a brand new passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("not your current password")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill("a brand new passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.goto("/candidates")
    expect(page.get_by_role("heading", name="Candidates")).to_be_visible()
    with db.unit_of_work() as s:
        admin = s.get_one(User, world.admin.id)
        assert security.verify_password(admin.password_hash, "a brand new passphrase")
