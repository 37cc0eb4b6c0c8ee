"""`reachout stats` against each test database, run in this process as `main()` runs it."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy.orm import Session

from reachout.db import Database
from reachout.models import User
from reachout.models.enums import Channel, DesignationChoice, Kind, ReplyStatus
from reachout.touchpoints import service
from reachout.touchpoints.schemas import TouchpointCreate
from tests.factories import at
from tests.stats.helpers import StatsTeam, make_stats_team
from tests.test_cli import assert_one_line_error, run_cli

PERIOD = ("--from", "2026-11-02", "--to", "2026-11-15")


def _log(session: Session, actor: User, candidate_id: int, when: str, **fields: object) -> None:
    data = TouchpointCreate.model_validate(
        {"candidate_id": candidate_id, "channel": Channel.inmail, "occurred_at": at(when), **fields}
    )
    service.log_touchpoint(session, actor=actor, data=data)


@pytest.fixture
def team(db: Database) -> StatsTeam:
    """Two inmail threads: Ana's (a follow-up, then an interested reply 27 h after the initial)
    and Ben's, both started on Mon 2 Nov 2026 in New York."""
    team = make_stats_team(db, time_zone="America/New_York", candidates=2)
    c1, c2 = team.candidates
    with db.unit_of_work() as s:
        ana, ben = s.get(User, team.ana.id), s.get(User, team.ben.id)
        assert ana is not None and ben is not None
        _log(s, ana, c1, "2026-11-02 15:00")
        _log(s, ana, c1, "2026-11-03 15:00", designation=DesignationChoice.follow_up)
        _log(s, ana, c1, "2026-11-03 18:00", kind=Kind.reply, reply_status=ReplyStatus.interested)
        _log(s, ben, c2, "2026-11-03 03:00")  # 22:00 on 2 Nov in New York
    return team


def test_a_table_with_the_groups_and_the_totals(db: Database, team: StatsTeam) -> None:
    url = db.settings.database_url
    result = run_cli(url, "stats", "--team", team.name, *PERIOD, "--group-by", "user")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Cohort view, 2026-11-02 to 2026-11-15 (America/New_York)" in out
    cells = {row[0]: row[1:] for row in _table_rows(out)}
    # contacted, candidates, follow-ups, replied, interested, not interested, later, the rates,
    # and 27 hours from Ana's initial (2 Nov 15:00) to its reply (3 Nov 18:00).
    assert cells["Ana"] == ["1", "1", "1", "1", "1", "0", "0", "100.0%", "100.0%", "27.0"]
    assert cells["Ben"] == ["1", "1", "0", "0", "0", "0", "0", "0.0%", "0.0%", "-"]
    assert cells["Total"] == ["2", "2", "1", "1", "1", "0", "0", "50.0%", "50.0%", "27.0"]


def _table_rows(out: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("│")[1:-1]] for line in out.splitlines() if "│" in line]


def test_csv_and_json(db: Database, team: StatsTeam) -> None:
    url = db.settings.database_url
    result = run_cli(
        url, "stats", "--team", team.name, "--view", "activity", *PERIOD, "--format", "csv"
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows == [
        {
            "key": "",
            "label": "Total",
            "outreach": "3",
            "initial": "2",
            "follow_up": "1",
            "replies": "1",
            "interested": "1",
            "not_interested": "0",
            "later": "0",
        }
    ]
    result = run_cli(
        url, "stats", "--team", team.name, *PERIOD, "--group-by", "stage", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert (answer["from"], answer["to"], answer["group_by"]) == (
        "2026-11-02",
        "2026-11-15",
        "stage",
    )
    assert answer["totals"]["contacted"] == 2
    assert answer["groups"] == [
        {
            "key": 1,
            "label": "Touch 1 (Initial Outreach)",
            "reached": 2,
            "replied": 0,
            "reply_rate": 0.0,
        },
        {"key": 2, "label": "Touch 2 (Follow-Up 1)", "reached": 1, "replied": 1, "reply_rate": 1.0},
    ]


def test_filters_by_member_email_project_and_channel(db: Database, team: StatsTeam) -> None:
    url = db.settings.database_url
    with db.unit_of_work() as s:
        ben_email = s.get(User, team.ben.id).email  # type: ignore[union-attr]
    result = run_cli(
        url, "stats", "--team", team.name, *PERIOD, "--user-email", ben_email, "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["contacted"] == 1
    for extra in (("--channel", "text"), ("--project-id", str(team.projects[0]))):
        result = run_cli(url, "stats", "--team", team.name, *PERIOD, *extra, "--format", "json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["totals"]["contacted"] == 0  # no project, no texts


def test_bad_input_is_a_one_line_error(db: Database, team: StatsTeam) -> None:
    url = db.settings.database_url
    other = make_stats_team(db, time_zone="UTC", candidates=1)
    cases = [
        (("--team", "No Such Team"), "no team named"),
        (("--team", team.name, "--from", "2 Nov"), "--from: must be a date"),
        (("--team", team.name, "--from", "2026-11-05", "--to", "2026-11-01"), "--from:"),
        (("--team", team.name, "--view", "activity", "--group-by", "stage"), "--group-by:"),
        (("--team", team.name, "--project-id", str(other.projects[0])), "--project-id: no project"),
        (("--team", team.name, "--project-id", "0"), "--project-id:"),
        (("--team", team.name, "--user-email", "nobody@example.com"), "no user with email"),
    ]
    for args, fragment in cases:
        assert_one_line_error(run_cli(url, "stats", *args), fragment)
    with db.unit_of_work() as s:
        stranger = s.get(User, other.ben.id).email  # type: ignore[union-attr]
    result = run_cli(url, "stats", "--team", team.name, "--user-email", stranger)
    assert_one_line_error(result, "--user-email:", "is not a member of")
