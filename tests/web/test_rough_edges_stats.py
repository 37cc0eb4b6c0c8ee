"""Issue 17's rough edges of the Outreach Stats page, gone at 1280 x 800 (the rest of the app's are
in test_rough_edges.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from reachout.db import Database
from reachout.stats.pages import fmt
from tests.factories import World, make_candidate
from tests.stats.helpers import log

FROM, TO = "2026-03-02", "2026-03-15"  # 14 days; the previous period: 16 Feb .. 1 Mar


@pytest.fixture
def desk(page: Page) -> Page:
    page.set_viewport_size({"width": 1280, "height": 800})
    return page


def _seed(db: Database, world: World, client: httpx.Client) -> None:
    """In the period: Ana's email (replied) and InMail, the member's call. Before it: one text."""
    with db.unit_of_work() as s:
        ids = [make_candidate(s, team=world.team).id for _ in range(4)]
    admin, member = world.admin, world.member
    log(client, admin, ids[0], "2026-03-02 10:00", channel="email")
    log(client, admin, ids[0], "2026-03-04 10:00", channel="email", kind="reply", status="later")
    log(client, admin, ids[1], "2026-03-03 10:00", channel="inmail")
    log(client, member, ids[2], "2026-03-10 10:00", channel="call")
    log(client, admin, ids[3], "2026-02-20 10:00", channel="text")


def _api(client: httpx.Client, world: World, **params: Any) -> dict[str, Any]:
    r = client.get("/stats/outreach", params=params, headers=world.admin.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _card(page: Page, metric: str) -> Any:
    return page.locator(f".stat-card[data-metric='{metric}'] .stat-value")


def test_dates_typed_while_a_preset_is_chosen_are_honoured(
    desk: Page, world: World, db: Database, client: httpx.Client
) -> None:
    _seed(db, world, client)
    desk.goto("/stats")
    period = desk.get_by_label("Period")
    expect(period).to_have_value("30")
    desk.get_by_label("From", exact=True).fill(FROM)
    expect(period).to_have_value("custom")
    desk.get_by_label("To", exact=True).fill(TO)
    desk.get_by_role("button", name="Show stats").click()
    expect(desk.locator("#stats-period-text")).to_contain_text(f"{FROM} to {TO}")
    expect(period).to_have_value("custom")
    expect(_card(desk, "contacted")).to_have_text("3")
    # Choosing a preset shows its days, and they are what is shown.
    period.select_option(label="Last 7 days")
    chosen = desk.locator("#stats-period option[value='7']")
    first, last = chosen.get_attribute("data-from"), chosen.get_attribute("data-to")
    expect(desk.get_by_label("From", exact=True)).to_have_value(first or "")
    desk.get_by_role("button", name="Show stats").click()
    expect(desk.locator("#stats-period-text")).to_contain_text(f"{first} to {last}")
    # Without the script too (a hand-made link): dates that differ from the preset's win.
    desk.goto(f"/stats?period=30&from={FROM}&to={TO}")
    expect(desk.locator("#stats-period-text")).to_contain_text(f"{FROM} to {TO}")
    expect(period).to_have_value("custom")


def test_one_team_member_control_with_me_in_it(
    desk: Page, world: World, db: Database, client: httpx.Client
) -> None:
    _seed(db, world, client)
    desk.goto(f"/stats?period=custom&from={FROM}&to={TO}")
    expect(desk.get_by_label("Stats of")).to_have_count(0)
    member = desk.get_by_label("Team member")
    options = member.locator("option")
    expect(options).to_have_text(
        ["Everyone", f"Me ({world.admin.user.name})", world.member.user.name]
    )
    member.select_option(label=f"Me ({world.admin.user.name})")
    desk.get_by_role("button", name="Show stats").click()
    mine = _api(client, world, **{"from": FROM, "to": TO, "user_id": world.admin.id})
    expect(_card(desk, "contacted")).to_have_text(str(mine["totals"]["contacted"]))
    assert mine["totals"]["contacted"] == 2
    # A link from before (scope=my) still means "Me".
    desk.goto(f"/stats?period=custom&from={FROM}&to={TO}&scope=my")
    expect(member).to_have_value(str(world.admin.id))
    expect(_card(desk, "contacted")).to_have_text("2")


def test_the_table_has_row_headers_right_aligned_numbers_and_a_total(
    desk: Page, world: World, db: Database, client: httpx.Client
) -> None:
    _seed(db, world, client)
    api = _api(client, world, **{"from": FROM, "to": TO, "group_by": "channel"})
    desk.goto(f"/stats?period=custom&from={FROM}&to={TO}&group_by=channel")
    table = desk.locator("#stats-groups")
    group = table.locator("tbody th[scope=row]").first
    expect(group).to_have_text("Call")
    cell = table.locator("tbody td").first
    head = group.evaluate("e => [getComputedStyle(e).textTransform, getComputedStyle(e).fontSize]")
    assert head == ["none", cell.evaluate("e => getComputedStyle(e).fontSize")]
    for numeric in (cell, table.locator("thead th.num").first):
        style = numeric.evaluate(
            "e => [getComputedStyle(e).textAlign, getComputedStyle(e).fontVariantNumeric]"
        )
        assert style[0] == "right" and "tabular-nums" in style[1], style
    total = table.locator("tfoot tr")
    expect(total.locator("th[scope=row]")).to_have_text("Total")
    expect(total.locator("td[data-metric='contacted']")).to_have_text(
        str(api["totals"]["contacted"])
    )
    expect(total.locator("td[data-metric='reply_rate']")).to_have_text(
        fmt(api["totals"]["reply_rate"], "rate")
    )
    # The reply rate as a line on its own axis (percent), beside the bars.
    desk.wait_for_function("() => !!window.Chart && !!window.Chart.getChart('stats-chart')")
    chart = desk.evaluate(
        "() => { const c = window.Chart.getChart('stats-chart'); return {"
        " sets: c.data.datasets.map(d => [d.label, d.type || 'bar', d.yAxisID, d.data]),"
        " axes: Object.keys(c.scales) }; }"
    )
    rates = [
        None if g["reply_rate"] is None else round(g["reply_rate"] * 100, 1) for g in api["groups"]
    ]
    assert ["Reply rate", "line", "rate", rates] in chart["sets"]
    assert {"y", "rate"} <= set(chart["axes"])


def test_the_cards_compare_with_the_previous_period(
    desk: Page, world: World, db: Database, client: httpx.Client
) -> None:
    _seed(db, world, client)
    api = _api(client, world, **{"from": FROM, "to": TO, "compare": "previous"})
    assert api["previous"]["totals"]["contacted"] == 1  # the text of 20 Feb
    desk.goto(f"/stats?period=custom&from={FROM}&to={TO}")
    expect(desk.locator("#stats-period-text")).to_contain_text("2026-02-16 to 2026-03-01")
    card = desk.locator(".stat-card[data-metric='contacted'] .stat-previous")
    expect(card).to_have_text("Previous period: 1 (+2)")
    rate = desk.locator(".stat-card[data-metric='reply_rate'] .stat-previous")
    expect(rate).to_have_text("Previous period: 0.0% (+33.3 pts)")


def test_stage_fits_in_the_group_by_list(
    desk: Page, world: World, db: Database, client: httpx.Client
) -> None:
    _seed(db, world, client)
    desk.goto(f"/stats?period=custom&from={FROM}&to={TO}&group_by=stage")
    select = desk.get_by_label("Group by")
    expect(select).to_have_value("stage")
    # The option's text against the room the select gives it (its padding and arrow aside).
    room, text = select.evaluate(
        "s => { const st = getComputedStyle(s); const ctx = document.createElement('canvas')"
        ".getContext('2d'); ctx.font = st.font;"
        " const room = s.clientWidth - parseFloat(st.paddingLeft)"
        " - parseFloat(st.paddingRight) - 20;"
        " return [room, ctx.measureText(s.options[s.selectedIndex].text).width]; }"
    )
    assert text <= room, (text, room)
    expect(desk.locator("#stats-groups thead th").first).to_have_text("Stage")


def test_an_empty_period_says_so_instead_of_an_empty_chart(desk: Page) -> None:
    desk.goto("/stats?period=custom&from=2020-01-01&to=2020-01-31&group_by=channel")
    expect(desk.locator("#stats-empty")).to_have_text("No outreach in this period.")
    expect(desk.locator("#stats-chart")).to_have_count(0)
    expect(desk.locator("#stats-groups")).to_have_count(0)
    expect(_card(desk, "contacted")).to_have_text("0")


def test_bad_input_gets_one_clear_message_per_field(desk: Page) -> None:
    response = desk.goto("/stats?period=custom&channel=pigeon&project_id=x&view=weekly")
    assert response is not None and response.status == 422
    for field, message in (
        ("Channel", "Choose a channel from the list."),
        ("Project", "Choose a project from the list."),
        ("View", "Choose Cohort or Activity."),
    ):
        expect(desk.get_by_label(field)).to_have_attribute("aria-invalid", "true")
        expect(desk.get_by_text(message, exact=True)).to_have_count(1)
        described = desk.get_by_label(field).get_attribute("aria-describedby")
        expect(desk.locator(f"#{described}")).to_have_text(message)
    body = desk.locator("main").inner_text()
    assert "Input should" not in body and "channel:" not in body
    expect(desk.locator("#stats-error")).to_contain_text("correct the fields marked above")
    # A message about two fields (From after To) is said once, under From.
    response = desk.goto("/stats?period=custom&from=2026-03-10&to=2026-03-01")
    assert response is not None and response.status == 422
    expect(desk.locator("#stats-from-error")).to_contain_text("after")
    expect(desk.get_by_text("is after", exact=False)).to_have_count(1)
