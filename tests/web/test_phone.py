"""The web app on a phone (390x844): every page fits the screen's width, the header folds into a
menu, controls are big enough for a finger, and a call is logged in a few taps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from reachout.db import Database
from reachout.models import Touchpoint
from tests.factories import World
from tests.web.conftest import PHONE
from tests.web.tour import LONG_NAME, seed, walk

# The document and the body as wide as the screen; an open dialog inside it; if not, the first
# elements that stick out (those inside a box that scrolls sideways on its own do not count).
FITS = """() => {
  const doc = document.documentElement, body = document.body, width = doc.clientWidth;
  const ownScroller = el => {
    for (let p = el.parentElement; p && p !== body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const out = [...body.querySelectorAll('*')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > width + 0.5 && !ownScroller(el);
  }).slice(0, 5).map(el => el.outerHTML.slice(0, 80));
  const dialogs = [...document.querySelectorAll('dialog[open]')].filter(d => {
    const box = d.getBoundingClientRect();
    return box.left < 0 || box.top < 0 || box.right > width || box.bottom > innerHeight;
  }).map(d => 'dialog#' + d.id);
  return {doc: [doc.scrollWidth, doc.clientWidth], body: [body.scrollWidth, body.clientWidth],
          out, dialogs};
}"""

# Controls a finger taps, shorter than 44 px. A checkbox counts as its label (or the table cell
# its label covers); links inside sentences do not count (WCAG 2.5.8 exempts them).
SMALL_TARGETS = """() => {
  const tall = el => el.getBoundingClientRect().height;
  const picked = 'button, summary, select, input, .top nav a, .pager a, .crumbs a, td.name > a,'
    + ' .tag';
  return [...document.querySelectorAll(picked)]
    .filter(el => el.type !== 'hidden' && el.checkVisibility())
    .map(el => {
      let height = tall(el);
      if (el.type === 'checkbox') height = Math.max(height, ...[...el.labels].map(tall));
      return [el, height];
    })
    .filter(([el, height]) => height < 44)
    .map(([el, height]) => el.outerHTML.slice(0, 80) + ' ' + Math.round(height) + 'px');
}"""


def _phone_page(signed_in: Callable[..., BrowserContext], path: str = "/candidates") -> Page:
    page = signed_in("admin", viewport=PHONE).new_page()
    page.goto(path)
    return page


def test_every_page_fits_a_phone_and_its_controls_take_a_finger(
    signed_in: Callable[..., BrowserContext],
    contexts: Callable[..., BrowserContext],
    db: Database,
    world: World,
) -> None:
    sights = seed(db, world)
    mine, signed_out = _phone_page(signed_in), contexts(None, PHONE).new_page()
    too_wide: dict[str, Any] = {}
    too_small: dict[str, list[str]] = {}
    for stop, page in walk(mine, signed_out, sights):
        fits = page.evaluate(FITS)
        doc, body = fits["doc"], fits["body"]
        if doc[0] > doc[1] or body[0] > body[1] or fits["dialogs"]:
            too_wide[stop.name] = fits
        small = page.evaluate(SMALL_TARGETS)
        if small:
            too_small[stop.name] = small
    assert too_wide == {}, "pages wider than the phone (scrollWidth, clientWidth)"
    assert too_small == {}, "controls shorter than 44 px"


def test_the_menu_button_opens_the_navigation_and_sign_out(
    signed_in: Callable[..., BrowserContext],
) -> None:
    page = _phone_page(signed_in)
    menu = page.get_by_role("button", name="Menu")
    settings = page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(settings).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    settings.click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    assert page.url.endswith("/settings")

    # Escape folds it again and gives focus back to the button.
    menu.click()
    expect(settings).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(settings).to_be_hidden()
    expect(menu).to_be_focused()


def test_log_a_call_from_a_phone_in_a_few_taps(
    signed_in: Callable[..., BrowserContext], db: Database, world: World
) -> None:
    sights = seed(db, world)
    page = _phone_page(signed_in)
    page.get_by_label("Search").fill("Featherstone")
    expect(page.locator("#candidate-results tbody tr")).to_have_count(1)
    page.get_by_role("link", name=LONG_NAME).click()  # tap 1
    # The number calls (a recruiter's phone dials it), then Log Activity records the call.
    expect(page.get_by_role("link", name="+44 20 7946 0958")).to_have_attribute(
        "href", "tel:+442079460958"
    )

    # Log Activity waits at the bottom of the screen, however long the profile is.
    log_activity = page.get_by_text("Log Activity", exact=True)
    expect(log_activity).to_be_in_viewport()
    log_activity.click()  # tap 2
    form = page.get_by_role("form", name="Log Activity")
    save = form.get_by_role("button", name="Save activity")
    # The whole form is on the screen, Save at its bottom, across the form's width.
    expect(save).to_be_in_viewport()
    form_box, save_box = form.bounding_box(), save.bounding_box()
    assert form_box is not None and save_box is not None
    assert save_box["width"] >= form_box["width"] - 1
    form.get_by_label("Type").select_option(label="Call")  # tap 3 (and the pick)
    save.click()  # tap 4

    expect(page.locator("#activity-status")).to_contain_text("Saved: Call")
    newest = page.locator("#timeline > li").first
    expect(newest).to_contain_text("Call")
    expect(newest).to_contain_text(f"by {world.admin.user.name}")
    with db.unit_of_work() as s:
        calls = s.scalars(
            select(Touchpoint).where(
                Touchpoint.candidate_id == sights.candidate_id, Touchpoint.channel == "call"
            )
        ).all()
        # The seeded call two days ago, then this one, by the admin who logged it.
        assert len(calls) == 2
        assert max(calls, key=lambda t: t.id).user_id == world.admin.id


def test_a_candidate_list_is_one_card_each_ticked_with_a_tap_anywhere_on_its_box(
    signed_in: Callable[..., BrowserContext], db: Database, world: World
) -> None:
    sights = seed(db, world)
    page = _phone_page(signed_in, f"/projects/{sights.project_id}")
    row = page.locator("#project-candidates tbody tr").first
    cells = row.locator("td:not(.check)")
    boxes = [cells.nth(i).bounding_box() for i in range(cells.count())]
    # One above the other, none past the screen's edge.
    lefts = {round(b["x"]) for b in boxes if b is not None and b["height"] > 0}
    assert len(lefts) == 1, boxes
    assert all(b is not None and b["x"] + b["width"] <= PHONE["width"] for b in boxes)

    cell = row.locator("td.check")
    cell_box = cell.bounding_box()
    assert cell_box is not None and cell_box["height"] >= 44
    cell.click(position={"x": 4, "y": cell_box["height"] - 4})  # the corner, not the box
    expect(row.locator("input[type=checkbox]")).to_be_checked()
    expect(page.locator("#selection-count")).to_have_text("1 selected")
    page.get_by_text("Select all 4 candidates of the project").click()
    expect(page.locator("#selection-count")).to_have_text("All 4 candidates selected")


def test_a_wide_table_scrolls_in_its_own_box_with_its_first_column_in_view(
    signed_in: Callable[..., BrowserContext], db: Database, world: World
) -> None:
    seed(db, world)
    page = _phone_page(signed_in, "/stats?group_by=user")
    table = page.locator("#stats-groups")
    first = table.locator("tbody tr").first.locator("th, td").first
    before = first.bounding_box()
    widths = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
    assert widths[0] > widths[1], "the stats table fits a phone: this test no longer tests"
    table.evaluate("t => { t.scrollLeft = t.scrollWidth; }")
    after = first.bounding_box()
    assert before is not None and after is not None
    assert round(after["x"]) == round(before["x"])  # the group's name did not scroll away
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
