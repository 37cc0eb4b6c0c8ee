"""Projects and candidates in the web app (SPEC §7): Add to project from the candidates list
(select-all means every candidate the search finds, on every page) and from a profile, Remove,
Edit with errors shown on the form, and Delete under its permission."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from reachout.db import Database
from reachout.models import Candidate, CandidateEmail, ProjectCandidate, Touchpoint, User
from tests.factories import World, at, make_candidate, make_project
from tests.touchpoints.helpers import log


def _members(db: Database, project_id: int) -> set[int]:
    with db.unit_of_work() as s:
        stmt = select(ProjectCandidate.candidate_id).where(
            ProjectCandidate.project_id == project_id
        )
        return set(s.scalars(stmt))


def _people(db: Database, world: World, names: list[str]) -> list[int]:
    """Candidates of team A with these names, inserted in one statement (60 is quick)."""
    with db.unit_of_work() as s:
        rows = [{"team_id": world.team.id, "name": name} for name in names]
        s.execute(Candidate.__table__.insert(), rows)
        stmt = select(Candidate.id).where(Candidate.name.in_(names)).order_by(Candidate.id)
        return list(s.scalars(stmt))


def test_select_all_adds_every_candidate_the_search_finds_on_every_page(
    page: Page, world: World, db: Database
) -> None:
    matching = _people(db, world, [f"Rustacean {i:02d}" for i in range(60)])
    others = _people(db, world, [f"Gopher {i:02d}" for i in range(15)])
    with db.unit_of_work() as s:
        already = [c for c in (s.get(Candidate, i) for i in matching[:3]) if c]
        project_id = make_project(s, team=world.team, name="Backend Q1", candidates=already).id
        make_project(s, team=world.team, name="Data Platform")
        make_project(s, team=world.other_team, name="Not ours")
    page.goto("/candidates")
    page.get_by_label("Search").fill("rustacean")
    expect(page.locator(".pager")).to_contain_text("60 candidates found")
    expect(page.locator("table.list tbody tr")).to_have_count(50)  # the first page of 60
    page.get_by_label("Select all 60 candidates matching").check()
    expect(page.locator("#selection-count")).to_have_text("All 60 candidates selected")
    select_project = page.get_by_label("Project", exact=True)
    expect(select_project.locator("option")).to_have_text(
        ["Choose a project…", "Backend Q1", "Data Platform"]
    )
    select_project.select_option(label="Backend Q1")
    page.get_by_role("button", name="Add to project").click()
    expect(page.locator("#membership-result")).to_have_text(
        "Added 57 candidates to Backend Q1; 3 were in it already."
    )
    assert _members(db, project_id) == set(matching)
    assert not _members(db, project_id) & set(others)
    # The list shows it without a reload, and the selection is cleared.
    added = page.locator("table.list tbody tr", has_text="Rustacean 10")
    expect(added.get_by_role("link", name="Backend Q1")).to_be_visible()
    expect(page.locator("#selection-count")).to_have_text("None selected")


def test_ticked_rows_are_added_and_nothing_ticked_says_so(
    page: Page, world: World, db: Database
) -> None:
    ids = _people(db, world, ["Ada Lovelace", "Grace Hopper", "Alan Turing"])
    with db.unit_of_work() as s:
        project_id = make_project(s, team=world.team, name="Compilers").id
    page.goto("/candidates")
    page.get_by_label("Project", exact=True).select_option(label="Compilers")
    page.get_by_role("button", name="Add to project").click()
    expect(page.locator("#membership-result")).to_have_text("select at least one candidate first")
    page.get_by_label("Select Grace Hopper").check()
    page.get_by_label("Select Alan Turing").check()
    expect(page.locator("#selection-count")).to_have_text("2 selected")
    page.get_by_role("button", name="Add to project").click()
    expect(page.locator("#membership-result")).to_have_text("Added 2 candidates to Compilers.")
    assert _members(db, project_id) == set(ids[1:])


def test_remove_selected_candidates_from_the_project_page(
    page: Page, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        people = [make_candidate(s, team=world.team, name=f"Person {i}") for i in range(3)]
        project_id = make_project(s, team=world.team, name="Sourcing", candidates=people).id
        ids = [p.id for p in people]
    page.on("dialog", lambda d: d.accept())
    page.goto(f"/projects/{project_id}")
    page.get_by_label("Select Person 1").check()
    page.get_by_role("button", name="More").click()
    page.get_by_role("menuitem", name="Remove from project").click()
    expect(page.locator("#membership-result")).to_have_text("Removed 1 candidate from Sourcing.")
    expect(page.locator("[data-row-check]")).to_have_count(2)
    assert _members(db, project_id) == {ids[0], ids[2]}


def test_add_to_and_remove_from_a_project_on_the_profile(
    page: Page, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        ada = make_candidate(s, team=world.team, name="Ada Lovelace").id
        engines = make_project(s, team=world.team, name="Analytical Engines").id
        make_project(s, team=world.team, name="Looms")
    page.goto(f"/candidates/{ada}")
    projects = page.get_by_role("list", name="Projects")
    expect(projects).to_have_text("none")
    page.get_by_label("Project", exact=True).select_option(label="Analytical Engines")
    page.get_by_role("button", name="Add to project").click()
    expect(projects.get_by_role("link", name="Analytical Engines")).to_be_visible()
    # Only the projects Ada is not in are offered.
    expect(page.get_by_label("Project", exact=True).locator("option")).to_have_text(
        ["Choose a project…", "Looms"]
    )
    assert _members(db, engines) == {ada}
    page.get_by_role("button", name="Remove from Analytical Engines").click()
    expect(projects).to_have_text("none")
    assert _members(db, engines) == set()


def test_edit_a_candidate_errors_on_the_form_then_saved(
    page: Page, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        ada = make_candidate(s, team=world.team, name="Ada Lovelace", emails=["ada@example.org"])
        make_candidate(s, team=world.team, name="Ada's twin", emails=["twin@example.org"])
    page.goto(f"/candidates/{ada.id}")
    page.get_by_text("Edit candidate", exact=True).click()
    form = page.get_by_role("form", name="Edit candidate")
    expect(form.get_by_label("Emails")).to_have_value("ada@example.org")
    form.get_by_label("Emails").fill("ada@example.org, not-an-email")
    form.get_by_label("LinkedIn URL").fill("https://example.com/in/ada")
    form.get_by_label("Title").fill("Countess")
    form.get_by_role("button", name="Save changes").click()
    form = page.get_by_role("form", name="Edit candidate")
    expect(form).to_contain_text("“not-an-email” is not a valid email address")
    expect(form).to_contain_text("expected a LinkedIn profile URL")
    expect(form.get_by_label("Emails")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Title")).to_have_value("Countess")  # what was typed stays
    # An address another candidate has: the form says who.
    form.get_by_label("Emails").fill("twin@example.org")
    form.get_by_label("LinkedIn URL").fill("")
    form.get_by_role("button", name="Save changes").click()
    form = page.get_by_role("form", name="Edit candidate")
    expect(form).to_contain_text("has the email twin@example.org already")
    expect(form.get_by_role("link", name="See the existing candidate")).to_be_visible()

    form.get_by_label("Emails").fill("ADA@work.example, ada@example.org")
    form.get_by_label("LinkedIn URL").fill("uk.linkedin.com/in/Ada-L/")
    form.get_by_label("Company").fill("")
    form.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("form", name="Edit candidate")).to_be_hidden()
    details = page.locator("section.details")
    expect(details).to_contain_text("Countess")
    expect(details.get_by_role("link", name="https://www.linkedin.com/in/ada-l")).to_be_visible()
    with db.unit_of_work() as s:
        saved = s.get(Candidate, ada.id)
        assert saved is not None
        assert [e.email for e in saved.emails] == ["ADA@work.example", "ada@example.org"]
        assert (saved.title, saved.company, saved.linkedin_url) == (
            "Countess",
            None,
            "https://www.linkedin.com/in/ada-l",
        )


def test_a_member_deletes_only_a_candidate_whose_every_touchpoint_is_theirs(
    signed_in: Callable[[str], BrowserContext], world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        admin, member = s.get(User, world.admin.id), s.get(User, world.member.id)
        assert admin is not None and member is not None
        shared = make_candidate(s, team=world.team, name="Shared Sam")
        log(s, member, shared.id, at("2024-05-01 09:00"))
        log(s, admin, shared.id, at("2024-05-02 09:00"))
        own = make_candidate(s, team=world.team, name="Own Olivia", emails=["olivia@example.org"])
        log(s, member, own.id, at("2024-05-01 09:00"))
        log(s, member, own.id, at("2024-05-03 09:00"))
        shared_id, own_id = shared.id, own.id
    page = signed_in("member").new_page()
    page.goto(f"/candidates/{shared_id}")
    expect(page.get_by_role("heading", name="Shared Sam")).to_be_visible()
    expect(page.get_by_role("button", name="Delete candidate")).to_have_count(0)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(f"/candidates/{shared_id}/delete", form={"csrf_token": token or ""})
    assert answer.status == 403
    assert "admin can delete a candidate" in answer.text()
    with db.unit_of_work() as s:
        assert s.get(Candidate, shared_id).deleted_at is None  # type: ignore[union-attr]

    messages: list[str] = []
    page.on("dialog", lambda d: (messages.append(d.message), d.accept()))
    page.goto(f"/candidates/{own_id}")
    page.get_by_role("button", name="Delete candidate").click()
    page.wait_for_url("**/candidates?deleted=*")
    expect(page.get_by_role("status").filter(has_text="Deleted Own Olivia.")).to_be_visible()
    expect(page.get_by_role("link", name="Own Olivia")).to_have_count(0)
    assert messages == ["Delete Own Olivia? Their activity is deleted with them."]
    with db.unit_of_work() as s:
        assert s.get(Candidate, own_id).deleted_at is not None  # type: ignore[union-attr]
        live = select(Touchpoint.id).where(
            Touchpoint.candidate_id == own_id, Touchpoint.deleted_at.is_(None)
        )
        assert s.scalars(live).all() == []
        emails = select(CandidateEmail.email).where(CandidateEmail.candidate_id == own_id)
        assert s.scalars(emails).all() == []  # released, so Olivia can be added again


def test_an_admin_may_delete_anyone(page: Page, world: World, db: Database) -> None:
    with db.unit_of_work() as s:
        member = s.get(User, world.member.id)
        assert member is not None
        theirs = make_candidate(s, team=world.team, name="Logged By Member")
        log(s, member, theirs.id, at("2024-05-01 09:00"))
        theirs_id = theirs.id
    page.on("dialog", lambda d: d.accept())
    page.goto(f"/candidates/{theirs_id}")
    page.get_by_role("button", name="Delete candidate").click()
    page.wait_for_url("**/candidates?deleted=*")
    expect(page.get_by_text("Deleted Logged By Member.")).to_be_visible()
