"""`reachout import candidates|touchpoints`: exit codes, the one-line errors, what is written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from reachout.db import Database
from reachout.models import Candidate, ProjectCandidate, Touchpoint
from tests.factories import World, make_project
from tests.test_cli import run_cli


def _count(db: Database, model: type, team_id: int) -> int:
    with db.unit_of_work(write=False) as s:
        return int(s.scalar(select(func.count()).where(model.team_id == team_id)) or 0)


def test_import_candidates_into_a_project(db: Database, world: World, tmp_path: Path) -> None:
    with db.unit_of_work() as s:
        project = make_project(s, team=world.team, name="Backend Q1")
        project_id = project.id
    file = tmp_path / "people.csv"
    file.write_text("Name,Email\nAda,ada@example.org\nGrace,grace@example.org\nBad,nope\n")
    url = db.settings.database_url
    team = world.team.name

    dry = run_cli(url, "import", "candidates", str(file), "--team", team, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "Dry run" in dry.stdout and "line 4" in dry.stderr
    assert _count(db, Candidate, world.team.id) == 0

    refused = run_cli(url, "import", "candidates", str(file), "--team", team)
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1].startswith("error: 1 line with errors (first: line 4")
    assert _count(db, Candidate, world.team.id) == 0

    done = run_cli(
        url,
        "import",
        "candidates",
        str(file),
        "--team",
        team,
        "--project",
        "Backend Q1",
        "--skip-invalid",
    )
    assert done.exit_code == 0, done.stderr
    assert "Created" in done.stdout and "2" in done.stdout
    assert _count(db, Candidate, world.team.id) == 2
    with db.unit_of_work(write=False) as s:
        members = s.scalar(select(func.count()).where(ProjectCandidate.project_id == project_id))
    assert members == 2


def test_import_errors_are_one_line(db: Database, world: World, tmp_path: Path) -> None:
    url = db.settings.database_url
    missing = run_cli(url, "import", "candidates", str(tmp_path / "nope.csv"), "--team", "X")
    assert missing.exit_code == 1 and missing.stderr.startswith("error: ")
    assert "No such file" in missing.stderr
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nJos\u00e9\n".encode("latin-1"))
    bad = run_cli(url, "import", "candidates", str(latin), "--team", world.team.name)
    assert bad.exit_code == 1
    assert bad.stderr.strip().splitlines() == [
        "error: file: the file is not UTF-8: byte 0xe9 on line 2 (save it as “CSV UTF-8”)"
    ]
    project = run_cli(
        url, "import", "candidates", str(latin), "--team", world.team.name, "--project", "Nope"
    )
    assert project.stderr.strip() == "error: no project named 'Nope'"


def test_import_touchpoints_twice_writes_once(db: Database, world: World, tmp_path: Path) -> None:
    t = int(datetime(2026, 5, 4, 10, 0, tzinfo=UTC).timestamp())
    file = tmp_path / "event_log.csv"
    who = world.member.user.email
    file.write_text(
        "timestamp,user_name,user_email,candidate_id,candidate_greenhouse_id,"
        "candidate_first_name,candidate_last_name,candidate_email,event_type,event_subtype,"
        "event_metadata\n"
        f"{t},A,{who},,,Ada,Lovelace,ada@example.org,First Outreach,Email,\n"
        f"{t + 86400},A,{who},,,Ada,Lovelace,ada@example.org,Reply,Email,Later\n"
        f"{t},A,{who},,,Ada,Lovelace,ada@example.org,Meeting,,\n"
    )
    url = db.settings.database_url
    args = ["import", "touchpoints", str(file), "--team", world.team.name, "--format", "gem"]
    first = run_cli(url, *args)
    assert first.exit_code == 0, first.stderr
    assert _count(db, Touchpoint, world.team.id) == 2
    again = run_cli(url, *args)
    assert again.exit_code == 0, again.stderr
    assert "Duplicates" in again.stdout
    assert _count(db, Touchpoint, world.team.id) == 2
    with db.unit_of_work(write=False) as s:
        name = s.scalar(select(Candidate.name).where(Candidate.team_id == world.team.id))
    assert name == "Ada Lovelace"
