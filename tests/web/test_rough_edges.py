"""Issue 17's rough edges of the desktop app, gone at 1280 x 800: the project page's bulk
dialog and More, Log Activity, focus, the date-and-time field, the 404 page, Settings and the
profile. (The Outreach Stats page's are in test_rough_edges_stats.py.)"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect
from sqlalchemy import select

from reachout.db import Database
from reachout.models import Candidate, ProjectCandidate, User
from tests.factories import World, make_candidate, make_project
from tests.stats.helpers import log


@pytest.fixture
def desk(page: Page) -> Page:
    page.set_viewport_size({"width": 1280, "height": 800})
    return page


# --- colours, as WCAG 2 measures them -------------------------------------------------------


def rgb(css: str) -> tuple[float, float, float]:
    """'rgb(40, 86, 200)' or 'rgba(...)' (the alpha left aside) as three 0-255 numbers."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)[:3]]
    assert len(numbers) == 3, css
    return numbers[0], numbers[1], numbers[2]


def luminance(color: tuple[float, float, float]) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2's contrast ratio of two CSS colours, 1 to 21."""
    high, low = sorted((luminance(rgb(a)), luminance(rgb(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_contrast_helper_agrees_with_wcag() -> None:
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21)
    assert contrast("rgb(119, 119, 119)", "rgb(255, 255, 255)") == pytest.approx(4.48, abs=0.01)


# The outline's colour and what is behind it: with a non-negative offset the ring is drawn
# outside the element, over the first ancestor that paints a background.
FOCUS_RING = """el => {
  const style = getComputedStyle(el);
  const opaque = c => c && !/^rgba\\(.*,\\s*0\\)$/.test(c) && c !== 'transparent';
  let node = parseFloat(style.outlineOffset) < 0 ? el : el.parentElement, behind = null;
  for (; node && !behind; node = node.parentElement) {
    const bg = getComputedStyle(node).backgroundColor;
    if (opaque(bg)) behind = bg;
  }
  return {tag: el.tagName + (el.id ? '#' + el.id : ''), color: style.outlineColor,
          style: style.outlineStyle, width: parseFloat(style.outlineWidth),
          behind: behind || 'rgb(255, 255, 255)'};
}"""


def _focus_ring(page: Page) -> dict[str, Any]:
    ring: dict[str, Any] = page.evaluate(f"({FOCUS_RING})(document.activeElement)")
    return ring


def _candidate(db: Database, world: World, **fields: Any) -> int:
    with db.unit_of_work() as s:
        return make_candidate(s, team=world.team, **fields).id


# --- 3 and 4: Log Activity's colours, the focus ring, focus after saving ------------------


def test_log_activity_is_primary_and_readable_in_every_state(
    desk: Page, world: World, db: Database
) -> None:
    desk.goto(f"/candidates/{_candidate(db, world)}")
    button = desk.locator("summary", has_text="Log Activity")
    colours = "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    text, background = button.evaluate(colours)
    assert rgb(background) == (40, 86, 200), background  # the accent, as .primary
    assert contrast(text, background) >= 4.5
    button.hover()
    text, background = button.evaluate(colours)
    assert rgb(background) == (30, 67, 160), background  # darker on hover, text still white
    assert contrast(text, background) >= 4.5
    button.focus()
    text, background = button.evaluate(colours)
    assert contrast(text, background) >= 4.5


def test_the_focus_ring_is_a_solid_outline_of_3_to_1(
    desk: Page, world: World, db: Database
) -> None:
    desk.goto(f"/candidates/{_candidate(db, world)}")
    desk.get_by_text("Log Activity", exact=True).click()  # the form's fields join the tab order
    desk.mouse.click(5, 400)  # nothing focused; the keyboard from here on
    seen = set()
    for _ in range(20):
        desk.keyboard.press("Tab")
        ring = _focus_ring(desk)
        seen.add(ring["tag"])
        assert ring["style"] == "solid" and ring["width"] >= 2, ring
        assert contrast(ring["color"], ring["behind"]) >= 3, ring
    assert {"A", "SUMMARY", "SELECT#log-channel", "INPUT#log-occurred-at"} <= seen, seen
    # Forced colours (Windows High Contrast) keep outlines, unlike box shadows.
    desk.emulate_media(forced_colors="active")
    desk.keyboard.press("Shift+Tab")
    ring = _focus_ring(desk)
    assert ring["style"] != "none" and ring["width"] >= 2, ring


def test_after_save_activity_focus_is_on_the_new_entry(
    desk: Page, world: World, db: Database
) -> None:
    desk.goto(f"/candidates/{_candidate(db, world)}")
    desk.get_by_text("Log Activity", exact=True).click()
    form = desk.get_by_role("form", name="Log Activity")
    form.get_by_label("Type").select_option(label="Call")
    form.get_by_role("button", name="Save activity").press("Enter")
    expect(desk.locator("#activity-status")).to_contain_text("Saved")
    entry = desk.locator("#timeline > li").first
    expect(entry).to_be_focused()
    expect(entry).to_contain_text("Call")
    expect(entry).to_be_in_viewport()


# --- 5: the date and time, whole -------------------------------------------------------------

# The input's own width against the width it takes when nothing constrains it (all of
# "03/05/2026, 03:49 PM" and the picker's icon).
NATURAL_WIDTH = """e => {
  const free = e.cloneNode();
  free.style.cssText = 'position:absolute;width:auto;min-width:0;max-width:none';
  free.value = e.value;
  document.body.append(free);
  const natural = free.offsetWidth;
  free.remove();
  return [e.offsetWidth, natural, e.scrollWidth, e.clientWidth];
}"""


def _shows_it_whole(field: Locator) -> None:
    field.fill("2026-03-05T15:49")
    width, natural, scroll, client = field.evaluate(NATURAL_WIDTH)
    assert width >= natural and scroll <= client, (width, natural, scroll, client)


def test_the_date_and_time_field_shows_the_whole_value(
    desk: Page, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        person = make_candidate(s, team=world.team, name="Person A")
        project_id = make_project(s, team=world.team, candidates=[person]).id
    desk.goto(f"/candidates/{person.id}")
    desk.get_by_text("Log Activity", exact=True).click()
    _shows_it_whole(desk.locator("#log-occurred-at"))
    desk.goto(f"/projects/{project_id}")
    desk.get_by_label("Select Person A").check()
    desk.get_by_role("button", name="More").click()
    desk.get_by_role("menuitem", name="Log Outreach/Reply").click()
    _shows_it_whole(desk.get_by_role("dialog").locator("#bulk-occurred-at"))


# --- 2 and 9: the project page's selection ---------------------------------------------------


def _project(db: Database, world: World, size: int) -> int:
    with db.unit_of_work() as s:
        project = make_project(s, team=world.team, name="Backend")
        rows = [{"team_id": world.team.id, "name": f"Person {i:03d}"} for i in range(size)]
        s.execute(Candidate.__table__.insert(), rows)
        ids = s.scalars(select(Candidate.id).where(Candidate.team_id == world.team.id)).all()
        s.execute(
            ProjectCandidate.__table__.insert(),
            [{"project_id": project.id, "candidate_id": i} for i in ids],
        )
        return project.id


def _save_and_wait_for_the_table(page: Page) -> None:
    """Save activity in the bulk dialog, then wait until the table has been reloaded."""
    page.evaluate("document.getElementById('project-candidates').dataset.before = 'save'")
    page.get_by_role("dialog").get_by_role("button", name="Save activity").click()
    page.wait_for_function("() => !document.getElementById('project-candidates').dataset.before")


def test_after_a_bulk_save_the_count_and_the_selection_stay(
    desk: Page, world: World, db: Database
) -> None:
    project_id = _project(db, world, 5)
    desk.goto(f"/projects/{project_id}")
    for name in ("Person 000", "Person 002", "Person 004"):
        desk.get_by_label(f"Select {name}").check()
    desk.get_by_role("button", name="More").click()
    desk.get_by_role("menuitem", name="Log Outreach/Reply").click()
    dialog = desk.get_by_role("dialog")
    _save_and_wait_for_the_table(desk)
    expect(dialog.locator("#bulk-result")).to_contain_text("Logged 3 touchpoints")
    expect(dialog.locator("#bulk-who")).to_have_text("For the 3 selected candidates.")
    expect(desk.locator("#selection-count")).to_have_text("3 selected")
    for name, ticked in (("Person 000", True), ("Person 001", False), ("Person 004", True)):
        expect(desk.get_by_label(f"Select {name}")).to_be_checked(checked=ticked)
    dialog.get_by_role("button", name="Close").click()
    # Select-all (every candidate of the project) stays too.
    desk.get_by_label("Select all 5 candidates of the project").check()
    desk.get_by_role("button", name="More").click()
    desk.get_by_role("menuitem", name="Log Outreach/Reply").click()
    _save_and_wait_for_the_table(desk)
    expect(dialog.locator("#bulk-who")).to_have_text("For all 5 candidates of this project.")
    expect(desk.get_by_label("Select all 5 candidates of the project")).to_be_checked()
    expect(desk.locator("#selection-count")).to_have_text("All 5 candidates selected")


def test_nothing_selected_is_said_beside_more(desk: Page, world: World, db: Database) -> None:
    project_id = _project(db, world, 3)
    desk.goto(f"/projects/{project_id}")
    more = desk.get_by_role("button", name="More")
    more.click()
    desk.get_by_role("menuitem", name="Log Outreach/Reply").click()
    message = desk.get_by_role("alert").filter(has_text="Select at least one candidate first.")
    expect(message).to_be_visible()
    expect(desk.get_by_role("dialog")).to_be_hidden()
    near, far = more.bounding_box(), message.bounding_box()
    table = desk.locator("#project-candidates table").bounding_box()
    assert near and far and table
    # On More's line, just beside it, and clear of the table.
    assert abs((near["y"] + near["height"] / 2) - (far["y"] + far["height"] / 2)) < near["height"]
    gap = max(far["x"] - (near["x"] + near["width"]), near["x"] - (far["x"] + far["width"]))
    assert gap < 100, (near, far)
    assert far["y"] + far["height"] <= table["y"]
    # Ticking a candidate clears it.
    desk.get_by_label("Select Person 001").check()
    expect(message).to_have_count(0)


# --- 7: the 404 page keeps the header ----------------------------------------------------


def test_a_not_found_page_keeps_the_navigation(
    desk: Page, context: BrowserContext, world: World
) -> None:
    for path in ("/no-such-page", "/candidates/999999"):
        answer = desk.goto(path)
        assert answer is not None and answer.status == 404
        expect(desk.get_by_role("heading", name="404 · Not found")).to_be_visible()
        nav = desk.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Outreach Stats")).to_be_visible()
        expect(desk.get_by_text(world.admin.user.name, exact=False).first).to_be_visible()
    # Signing out from there works (the form carries the session's token).
    desk.get_by_role("button", name="Sign out").click()
    expect(desk).to_have_url(re.compile(r"/sign-in"))
    # Signed out, there is no header to show.
    stranger = context.new_page()
    answer = stranger.goto("/no-such-page")
    assert answer is not None and answer.status == 404
    expect(stranger.get_by_role("navigation", name="Main")).to_have_count(0)


# --- 8: Settings --------------------------------------------------------------------------


def test_add_a_member_defaults_to_member_with_plain_buttons(
    desk: Page, world: World, db: Database
) -> None:
    desk.goto("/settings")
    expect(desk.locator("#member-role")).to_have_value("member")
    for name in ("Add member", "Change password", "Save team settings"):
        button = desk.get_by_role("button", name=name)
        box, form = button.bounding_box(), button.locator("xpath=..").bounding_box()
        assert box and form and box["width"] < form["width"] / 3, (name, box, form)
    desk.get_by_label("Email", exact=True).fill("new.member@example.com")
    desk.get_by_role("button", name="Add member").click()
    expect(desk.get_by_role("status")).to_contain_text("Added new.member@example.com")
    with db.unit_of_work() as s:
        added = s.scalars(select(User).where(User.email == "new.member@example.com")).one()
        assert added.role == "member"


# --- 10: the profile's emails and a reply's Type ---------------------------------------------

# The text of each line the element's text is laid out in.
LINES = """el => {
  const lines = [];
  let top = null;
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getBoundingClientRect();
      if (!rect.width) continue;
      if (top === null || rect.top > top + 2) { lines.push(''); top = rect.top; }
      lines[lines.length - 1] += node.data[i];
    }
  }
  return lines;
}"""


def test_an_email_wraps_before_its_at_not_inside_a_word(
    desk: Page, world: World, db: Database
) -> None:
    address = "alexandra.konstantin@partners.example.com"
    url = "https://www.linkedin.com/in/alexandrakonstantin"
    desk.goto(f"/candidates/{_candidate(db, world, emails=[address], linkedin_url=url)}")

    def lines(term: str) -> list[str]:
        value = desk.locator("dt", has_text=term).locator("xpath=following-sibling::dd[1]")
        return [line.strip() for line in value.evaluate(LINES)]

    email = lines("Email")
    assert email == ["alexandra.konstantin", "@partners.example.com"], email
    # A long URL wraps after a slash.
    linkedin = lines("LinkedIn")
    assert len(linkedin) > 1 and "".join(linkedin) == url, linkedin
    assert all(line.endswith("/") for line in linkedin[:-1]), linkedin


def test_a_reply_defaults_to_the_channel_of_the_last_outreach(
    desk: Page, world: World, db: Database, client: httpx.Client
) -> None:
    candidate_id = _candidate(db, world)
    log(client, world.admin, candidate_id, "2026-03-02 10:00", channel="call")
    # Logged later but backdated: the last outreach is the call, by when it happened.
    log(client, world.admin, candidate_id, "2026-03-01 10:00", channel="email")
    desk.goto(f"/candidates/{candidate_id}")
    desk.get_by_text("Log Activity", exact=True).click()
    form = desk.get_by_role("form", name="Log Activity")
    kind, activity = form.get_by_label("Type"), form.get_by_label("Outreach/Reply")
    expect(kind).to_have_value("inmail")
    activity.select_option(label="Reply")
    expect(kind).to_have_value("call")
    activity.select_option(label="Auto")
    expect(kind).to_have_value("inmail")
    # A Type the user picked is theirs.
    kind.select_option(label="Text")
    activity.select_option(label="Reply")
    expect(kind).to_have_value("text")
    form.get_by_label("Reply Status").select_option(label="Interested")
    form.get_by_role("button", name="Save activity").click()
    expect(desk.locator("#timeline > li").first).to_contain_text("Text")
