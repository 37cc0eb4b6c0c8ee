"""The Outreach Stats page shows the API's numbers, and its CSV holds the same rows."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from reachout.db import Database
from reachout.stats.pages import ACTIVITY_COLUMNS, COHORT_COLUMNS, fmt
from tests.conftest import LiveServer
from tests.factories import World, make_candidate, make_project
from tests.stats.helpers import log

FROM, TO = "2026-03-02", "2026-03-15"


def _seed(db: Database, world: World, client: httpx.Client) -> int:
    with db.unit_of_work() as s:
        people = [make_candidate(s, team=world.team) for _ in range(4)]
        project = make_project(s, team=world.team, name="Backend", candidates=people)
        project_id, ids = project.id, [p.id for p in people]
    admin, member = world.admin, world.member
    log(client, admin, ids[0], "2026-03-02 10:00", channel="email", project_id=project_id)
    log(client, admin, ids[0], "2026-03-05 10:00", channel="email", designation="follow_up")
    log(
        client,
        admin,
        ids[0],
        "2026-03-06 09:00",
        channel="email",
        kind="reply",
        status="interested",
    )
    log(client, admin, ids[1], "2026-03-03 10:00", channel="inmail", project_id=project_id)
    log(client, member, ids[2], "2026-03-04 10:00", channel="text")
    log(client, member, ids[2], "2026-03-04 18:00", channel="text", kind="reply", status="later")
    log(client, member, ids[3], "2026-03-10 10:00", channel="call", project_id=project_id)
    return project_id


def _api(client: httpx.Client, world: World, params: dict[str, Any]) -> dict[str, Any]:
    r = client.get("/stats/outreach", params=params, headers=world.admin.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _page_params(params: dict[str, Any]) -> str:
    return str(httpx.QueryParams({"period": "custom", **params}))


def test_the_cards_and_table_show_the_apis_numbers_and_the_csv_the_same_rows(
    page: Page, world: World, db: Database, client: httpx.Client, live_server: LiveServer
) -> None:
    _seed(db, world, client)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    for view, cols in (("cohort", COHORT_COLUMNS), ("activity", ACTIVITY_COLUMNS)):
        params = {"view": view, "from": FROM, "to": TO, "group_by": "channel"}
        api = _api(client, world, params)
        assert api["groups"], api
        page.goto("/stats?" + _page_params(params))
        expect(page.get_by_role("heading", name="Outreach Stats")).to_be_visible()
        for field, _, kind in cols:
            card = page.locator(f".stat-card[data-metric='{field}'] .stat-value")
            expect(card).to_have_text(fmt(api["totals"][field], kind))
        rows = page.locator("#stats-groups tbody tr")
        expect(rows).to_have_count(len(api["groups"]))
        for i, group in enumerate(api["groups"]):
            row = rows.nth(i)
            expect(row.locator("th")).to_have_text(group["label"])
            cells = [fmt(group[f], k) for f, _, k in cols]
            expect(row.locator("td")).to_have_text(cells)
        expect(page.locator("#stats-chart")).to_be_visible()
        page.wait_for_function("() => !!window.Chart && !!window.Chart.getChart('stats-chart')")
        bars = page.evaluate("() => window.Chart.getChart('stats-chart').data.labels")
        assert bars == [g["label"] for g in api["groups"]]

        href = page.locator("#stats-csv").get_attribute("href")
        assert href is not None
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        r = httpx.get(live_server.url + href, cookies=cookies)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("text/csv")
        table = list(csv.reader(io.StringIO(r.text)))
        assert table[0] == ["channel", *(c[1] for c in cols)]
        expected = [
            [g["label"], *("" if g[f] is None else str(g[f]) for f, _, _ in cols)]
            for g in api["groups"]
        ]
        assert table[1:-1] == expected
        totals = api["totals"]
        assert table[-1] == [
            "Total",
            *("" if totals[f] is None else str(totals[f]) for f, _, _ in cols),
        ]


def test_my_stats_and_filters_match_the_api(
    page: Page, world: World, db: Database, client: httpx.Client
) -> None:
    project_id = _seed(db, world, client)
    params = {"from": FROM, "to": TO, "project_id": str(project_id)}
    api = _api(client, world, {**params, "user_id": world.admin.id, "group_by": "week"})
    page.goto("/stats?" + _page_params({**params, "scope": "my", "group_by": "week"}))
    expect(page.locator(".stat-card[data-metric='contacted'] .stat-value")).to_have_text(
        str(api["totals"]["contacted"])
    )
    assert api["totals"]["contacted"] == 2
    expect(page.locator("#stats-groups tbody tr")).to_have_count(len(api["groups"]))
    # The nav link is on, and the form keeps what was asked ("my": the Team member list's Me).
    expect(page.get_by_role("link", name="Outreach Stats")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_label("Team member")).to_have_value(str(world.admin.id))
    # Without a grouping the chart shows the weeks of the period and there is no table.
    page.goto("/stats?" + _page_params({**params, "scope": "my"}))
    page.wait_for_function("() => !!window.Chart && !!window.Chart.getChart('stats-chart')")
    weeks = page.evaluate("() => window.Chart.getChart('stats-chart').data.labels")
    assert weeks == [g["label"] for g in api["groups"]]
    expect(page.locator("#stats-groups")).to_have_count(0)


def test_bad_parameters_show_a_friendly_error(page: Page, world: World) -> None:
    response = page.goto("/stats?" + _page_params({"from": "2026-03-10", "to": "2026-03-01"}))
    assert response is not None and response.status == 422
    expect(page.locator("#stats-error")).to_be_visible()
    expect(page.locator("#stats-from-error")).to_contain_text("after")
    response = page.goto("/stats?view=activity&group_by=stage")
    assert response is not None and response.status == 422
    expect(page.locator("#stats-group-error")).to_contain_text("cohort")
    response = page.goto("/stats?channel=pigeon&project_id=x&from=03/01/2026&period=custom")
    assert response is not None and response.status == 422
    expect(page.locator("#stats-error")).to_be_visible()
    expect(page.locator("#stats-from-error")).to_have_text("Must be a date, YYYY-MM-DD.")
    expect(page.get_by_role("heading", name="Outreach Stats")).to_be_visible()
