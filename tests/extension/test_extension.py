"""The extension against a real Reachout server: options, the panel on LinkedIn profile pages
(matched, unmatched, after in-page navigation), logging activity, and failures in words."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.candidates import service as candidates
from reachout.candidates.schemas import CandidateCreate
from reachout.db import Database
from reachout.models import Candidate, ProjectCandidate, Touchpoint
from reachout.touchpoints import service
from reachout.touchpoints.schemas import TouchpointCreate
from tests.conftest import LiveServer
from tests.extension.conftest import Browser, og_only_html, panel, profile_html
from tests.factories import World, at, make_project


def _candidate(s: Session, world: World, name: str, linkedin_url: str, **fields: str) -> Candidate:
    """A candidate made as the API makes one (its LinkedIn URL normalized and keyed)."""
    data = CandidateCreate(name=name, linkedin_url=linkedin_url, **fields)
    return candidates.create_candidate(s, actor=world.member.user, data=data)


def _connected(browser: Browser, live_server: LiveServer, world: World) -> None:
    options = browser.configure(live_server.url, world.member.token)
    expect(options.locator("#result")).to_contain_text("Connected as")
    options.close()


def _log(page: Page, *, channel: str, activity: str, status: str = "", note: str = "") -> None:
    box = panel(page)
    box.get_by_role("button", name="Log Activity").click()
    form = box.get_by_role("form", name="Log Activity")
    form.get_by_label("Type").select_option(label=channel)
    form.get_by_label("Outreach/Reply").select_option(label=activity)
    if status:
        form.get_by_label("Reply Status").select_option(label=status)
    if note:
        form.get_by_label("Note (optional)").fill(note)
    form.get_by_role("button", name="Save activity").click()


def test_options_test_the_connection_with_a_good_and_a_bad_token(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    good = browser.configure(live_server.url + "/", world.member.token)
    result = good.locator("#result")
    expect(result).to_contain_text(f"Connected as {world.member.user.name}")
    expect(result).to_contain_text(world.member.user.email)
    expect(result).to_contain_text(world.team.name)
    bad = browser.configure(live_server.url, "not-a-token")
    expect(bad.locator("#result")).to_have_text(
        "The API token was refused. Enter a valid token in the extension's options."
    )


def test_an_unknown_profile_is_added_with_a_corrected_name(
    browser: Browser, live_server: LiveServer, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        project_id = make_project(s, team=world.team, name="Platform hires").id
    _connected(browser, live_server, world)
    browser.pages["jane-doe"] = profile_html("Jane Doe", "Staff Engineer at Initech")
    page = browser.profile("Jane-Doe")
    form = panel(page).get_by_role("form", name="Add to Reachout")
    expect(form.get_by_label("Name")).to_have_value("Jane Doe")
    expect(form.get_by_label("Headline")).to_have_value("Staff Engineer at Initech")
    expect(form.get_by_label("Profile URL")).to_have_value("https://www.linkedin.com/in/jane-doe")
    form.get_by_label("Name").fill("Jane Q. Doe")
    form.get_by_label("Project (optional)").select_option(label="Platform hires")
    form.get_by_role("button", name="Add to Reachout").click()
    expect(panel(page).locator("#reachout-candidate-name")).to_have_text("Jane Q. Doe")
    expect(panel(page)).to_contain_text("Platform hires")
    with db.unit_of_work() as s:
        candidate = s.scalars(select(Candidate).where(Candidate.team_id == world.team.id)).one()
        assert candidate.name == "Jane Q. Doe"
        assert candidate.title == "Staff Engineer at Initech"
        assert candidate.linkedin_url == "https://www.linkedin.com/in/jane-doe"
        member = select(ProjectCandidate.candidate_id).where(
            ProjectCandidate.project_id == project_id
        )
        assert s.scalars(member).all() == [candidate.id]
    # Matched on reload.
    page.reload()
    expect(panel(page).locator("#reachout-candidate-name")).to_have_text("Jane Q. Doe")


def test_the_name_falls_back_to_the_document_title(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    _connected(browser, live_server, world)
    browser.pages["sam-lee"] = profile_html("Sam Lee", "Recruiter", h1=False)
    page = browser.profile("sam-lee")
    form = panel(page).get_by_role("form", name="Add to Reachout")
    expect(form.get_by_label("Name")).to_have_value("Sam Lee")


def test_a_page_with_only_og_tags_is_read_from_them(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    _connected(browser, live_server, world)
    browser.pages["kim-park"] = og_only_html("Kim Park", "Data Scientist at Hooli")
    page = browser.profile("kim-park")
    form = panel(page).get_by_role("form", name="Add to Reachout")
    expect(form.get_by_label("Name")).to_have_value("Kim Park")
    expect(form.get_by_label("Headline")).to_have_value("Data Scientist at Hooli")


def test_chromium_loads_it_cleanly_and_the_page_styles_stay_out(
    browser: Browser, live_server: LiveServer, world: World
) -> None:
    extensions = browser.extensions_page()
    _connected(browser, live_server, world)
    browser.pages["jane-doe"] = profile_html()
    page = browser.context.new_page()
    page.goto("https://www.linkedin.com/in/jane-doe")
    box = panel(page)
    box.get_by_role("button", name="Add to Reachout").click()
    _log(page, channel="Text", activity="First reach out")
    expect(box.get_by_role("status")).to_contain_text("Saved: Text: First reach out")
    # The fixture page makes all its text red and 30px; the panel keeps its own look.
    assert page.locator("h1").evaluate("e => getComputedStyle(e).color") == "rgb(255, 0, 0)"
    heading = box.locator("#reachout-candidate-name")
    assert heading.evaluate("e => getComputedStyle(e).color") != "rgb(255, 0, 0)"
    assert heading.evaluate("e => getComputedStyle(e).fontSize") == "15px"
    info = browser.extension_info(extensions)
    assert info["manifestErrors"] == []
    assert info["installWarnings"] == []
    assert browser.console_errors == []


def test_a_known_profile_shows_the_candidate_and_logs_activity(
    browser: Browser, live_server: LiveServer, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        candidate = _candidate(
            s,
            world,
            "Ada Lovelace",
            title="Analyst",
            company="Engines Ltd",
            linkedin_url="https://www.linkedin.com/in/ada-lovelace",
        )
        make_project(s, team=world.team, name="Mathematicians", candidates=[candidate])
        candidate_id = candidate.id
        for day in range(1, 7):
            data = TouchpointCreate(
                candidate_id=candidate.id,
                channel="inmail",
                occurred_at=at(f"2026-01-0{day} 10:00"),
                note=f"note {day}",
            )
            service.log_touchpoint(s, actor=world.member.user, data=data)
    _connected(browser, live_server, world)
    browser.pages["ada-lovelace"] = profile_html("Ada Lovelace", "Analyst at Engines Ltd")
    page = browser.profile("ada-lovelace?trk=public_profile")
    box = panel(page)
    expect(box.locator("#reachout-candidate-name")).to_have_text("Ada Lovelace")
    expect(box).to_contain_text("Analyst")
    expect(box).to_contain_text("Engines Ltd")
    expect(box).to_contain_text("Mathematicians")
    timeline = box.locator("#reachout-timeline > li")
    expect(timeline).to_have_count(5)
    expect(timeline.first).to_contain_text("note 6")

    _log(page, channel="InMail", activity="Auto", note="Sent from LinkedIn")
    expect(box.get_by_role("status")).to_contain_text("Saved: InMail: Follow-up")
    expect(timeline.first).to_contain_text("Sent from LinkedIn")

    _log(page, channel="InMail", activity="Reply", status="Interested")
    expect(box.get_by_role("status")).to_contain_text("Saved: Reply (InMail): Interested")
    expect(box).to_contain_text("Latest reply")
    expect(box.locator("dd", has_text="Interested")).to_have_count(1)
    with db.unit_of_work() as s:
        logged = s.scalars(
            select(Touchpoint)
            .where(Touchpoint.candidate_id == candidate_id)
            .order_by(Touchpoint.id.desc())
            .limit(2)
        ).all()
        assert [(t.kind, t.channel, t.designation, t.reply_status) for t in logged] == [
            ("reply", "inmail", None, "interested"),
            ("outreach", "inmail", "follow_up", None),
        ]
        assert logged[1].note == "Sent from LinkedIn"


def test_a_first_inmail_with_auto_is_initial(
    browser: Browser, live_server: LiveServer, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        candidate_id = _candidate(s, world, "Grace Hopper", "linkedin.com/in/grace").id
    _connected(browser, live_server, world)
    browser.pages["grace"] = profile_html("Grace Hopper", "Admiral")
    page = browser.profile("grace")
    expect(panel(page)).to_contain_text("Nothing logged yet.")
    _log(page, channel="InMail", activity="Auto")
    expect(panel(page).locator("#reachout-timeline > li")).to_have_count(1)
    expect(panel(page).locator("#reachout-timeline > li")).to_contain_text(
        "InMail: First reach out"
    )
    with db.unit_of_work() as s:
        query = select(Touchpoint).where(Touchpoint.candidate_id == candidate_id)
        assert s.scalars(query).one().designation == "initial"


def test_in_page_navigation_switches_the_panel(
    browser: Browser, live_server: LiveServer, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        _candidate(s, world, "Ada Lovelace", "linkedin.com/in/ada-lovelace")
    _connected(browser, live_server, world)
    browser.pages["ada-lovelace"] = profile_html("Ada Lovelace", "Analyst")
    page = browser.profile("ada-lovelace")
    expect(panel(page).locator("#reachout-candidate-name")).to_have_text("Ada Lovelace")
    page.evaluate(
        """() => {
            history.pushState({}, "", "/in/alan-turing/");
            document.querySelector("h1").textContent = "Alan Turing";
            document.title = "Alan Turing | LinkedIn";
            document.querySelector(".text-body-medium").textContent = "Codebreaker";
        }"""
    )
    form = panel(page).get_by_role("form", name="Add to Reachout")
    expect(form.get_by_label("Profile URL")).to_have_value(
        "https://www.linkedin.com/in/alan-turing"
    )
    expect(form.get_by_label("Name")).to_have_value("Alan Turing")
    page.go_back()
    expect(panel(page).locator("#reachout-candidate-name")).to_have_text("Ada Lovelace")


def test_an_unreachable_server_is_said_in_the_panel(browser: Browser, world: World) -> None:
    # Nothing listens on port 9 of loopback: the connection is refused.
    options = browser.configure("http://127.0.0.1:9", world.member.token)
    expect(options.locator("#result")).to_contain_text("Can't reach Reachout at http://127.0.0.1:9")
    browser.pages["jane-doe"] = profile_html()
    page = browser.profile("jane-doe")
    expect(panel(page).get_by_role("alert")).to_contain_text(
        "Can't reach Reachout at http://127.0.0.1:9"
    )
    expect(panel(page).get_by_role("button", name="Try again")).to_be_visible()


def test_a_refused_token_and_a_validation_error_are_said_in_the_panel(
    browser: Browser, live_server: LiveServer, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        _candidate(s, world, "Ada Lovelace", linkedin_url="linkedin.com/in/ada")
    _connected(browser, live_server, world)
    browser.pages["ada"] = profile_html("Ada Lovelace", "Analyst")
    page = browser.profile("ada")
    box = panel(page)
    expect(box.locator("#reachout-candidate-name")).to_have_text("Ada Lovelace")
    _log(page, channel="Call", activity="Follow-up", note="x" * 10_001)
    expect(box.get_by_role("alert")).to_contain_text("Reachout did not accept this: note:")
    expect(box.get_by_role("alert")).to_contain_text("10000")

    browser.configure(live_server.url, "revoked-or-mistyped").close()
    page.reload()
    expect(box.get_by_role("alert")).to_have_text(
        "The API token was refused. Enter a valid token in the extension's options."
    )
