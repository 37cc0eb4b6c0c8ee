from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from reachout.db import Database
from reachout.models import Candidate, Touchpoint
from tests.factories import World, make_candidate


def test_a_form_posted_without_its_csrf_token_is_refused(page: Page, db: Database) -> None:
    page.get_by_text("Add candidate").first.click()
    page.get_by_label("Name").fill("Forged Person")
    # What a forged cross-site form would lack: the token in the form and in htmx's header.
    page.evaluate(
        "document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove());"
        "document.body.removeAttribute('hx-headers')"
    )
    page.get_by_role("button", name="Add candidate").last.click()
    expect(page.get_by_role("heading", name="403 · Forbidden")).to_be_visible()
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Candidate)) == 0


def test_a_wrong_csrf_token_is_refused_and_writes_nothing(
    page: Page, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        candidate = make_candidate(s, team=world.team)
    url = f"/candidates/{candidate.id}/touchpoints"
    form = {"channel": "inmail", "activity": "auto", "csrf_token": "not-the-token"}
    assert page.request.post(url, form=form).status == 403
    no_token = {"channel": "inmail", "activity": "auto"}
    assert page.request.post(url, form=no_token).status == 403
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Touchpoint)) == 0


def test_unknown_and_other_teams_candidates_are_a_not_found_page(
    page: Page, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        theirs = make_candidate(s, team=world.other_team, name="Their Candidate")
    for path in (f"/candidates/{theirs.id}", "/candidates/999999", "/no-such-page"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 404
        assert answer.headers["content-type"].startswith("text/html")
        expect(page.get_by_role("heading", name="404 · Not found")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Their Candidate")
