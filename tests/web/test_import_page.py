"""Candidates → Import in a real browser: upload, preview, import into a project, open it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from reachout.db import Database
from reachout.models import Candidate, ProjectCandidate, Touchpoint, User
from reachout.transfer.candidate_import import import_candidates
from tests.factories import World, make_candidate, make_project

PEOPLE = (
    "Full Name;Email;Company;Notes\r\n"
    "Ada Lovelace;ada@example.org;Analytical Engines;first\r\n"
    "Grace Hopper;grace@example.org;US Navy;\r\n"
    "Alan Turing;alan@example.org;;\r\n"
    "No Email Person;;Acme;\r\n"
    "Broken;not-an-email;;\r\n"
)


def test_import_a_csv_into_a_project_and_see_the_project_fill(
    page: Page, world: World, db: Database, tmp_path: Path
) -> None:
    with db.unit_of_work() as s:
        project_id = make_project(s, team=world.team, name="Founding Engineers").id
    file = tmp_path / "people.csv"
    file.write_text(PEOPLE, encoding="utf-8-sig")

    page.get_by_role("link", name="Import").click()
    page.wait_for_url("**/candidates/import")
    form = page.get_by_role("form", name="Import candidates")
    form.get_by_label("CSV file").set_input_files(str(file))
    form.get_by_label("Add to project (optional)").select_option(label="Founding Engineers")
    form.get_by_role("button", name="Preview").click()

    preview = page.get_by_test_id("import-preview")
    expect(preview).to_contain_text(
        "5 rows: 4 new candidates, 0 matched to existing ones, 1 with errors"
    )
    columns = preview.get_by_role("table", name="Columns")
    expect(columns.get_by_role("row", name="Full Name Name")).to_be_visible()
    expect(columns.get_by_role("row", name="Notes Ignored")).to_be_visible()
    expect(preview.get_by_role("table", name="First rows")).to_contain_text("Ada Lovelace")
    expect(preview.get_by_role("table", name="Lines with errors")).to_contain_text("not-an-email")
    # Rows with errors stop the import until the user chooses to skip them.
    expect(preview.get_by_role("button", name="Import")).to_have_count(0)
    form.get_by_label("Skip rows with errors (import the others)").check()
    form.get_by_role("button", name="Preview").click()
    form.get_by_role("button", name="Import", exact=True).click()

    result = page.get_by_role("status")
    expect(result).to_contain_text("4 new candidates")
    expect(result).to_contain_text("4 added to Founding Engineers")
    result.get_by_role("link", name="Open Founding Engineers").click()
    page.wait_for_url(f"**/projects/{project_id}")
    for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing", "No Email Person"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    with db.unit_of_work(write=False) as s:
        members = s.scalar(select(func.count()).where(ProjectCandidate.project_id == project_id))
        names = s.scalars(select(Candidate.name).where(Candidate.team_id == world.team.id)).all()
    assert members == 4
    assert "Broken" not in names


def test_a_file_that_is_not_utf8_is_explained_on_the_page(
    page: Page, world: World, db: Database, tmp_path: Path
) -> None:
    file = tmp_path / "latin.csv"
    file.write_bytes("name\nJos\u00e9\n".encode("latin-1"))
    page.goto("/candidates/import")
    form = page.get_by_role("form", name="Import candidates")
    form.get_by_label("CSV file").set_input_files(str(file))
    form.get_by_role("button", name="Preview").click()
    expect(form.get_by_role("alert")).to_contain_text("the file is not UTF-8")
    with db.unit_of_work(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Candidate)) == 0


def test_import_gem_history_from_the_page(
    page: Page, world: World, db: Database, tmp_path: Path
) -> None:
    t = int(datetime(2026, 6, 1, 12, 0, tzinfo=UTC).timestamp())
    file = tmp_path / "event_log.csv"
    file.write_text(
        "timestamp,user_name,user_email,candidate_id,candidate_greenhouse_id,"
        "candidate_first_name,candidate_last_name,candidate_email,event_type,event_subtype,"
        "event_metadata\n"
        f"{t},A,{world.admin.user.email},,,Ada,Lovelace,ada@example.org,First Outreach,Inmail,\n"
        f"{t + 60},A,{world.admin.user.email},,,Ada,Lovelace,ada@example.org,Meeting,,\n"
    )
    page.goto("/candidates/import")
    form = page.get_by_role("form", name="Import activity history")
    form.get_by_label("Gem event_log CSV").set_input_files(str(file))
    form.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("history-preview")).to_contain_text("1 touchpoint to add")
    form.get_by_role("button", name="Import", exact=True).click()
    expect(form.get_by_role("status")).to_contain_text("1 touchpoint added")
    with db.unit_of_work(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Touchpoint)) == 1


def test_download_the_candidates_export_from_the_candidates_page(
    page: Page, world: World, db: Database, tmp_path: Path
) -> None:
    with db.unit_of_work() as s:
        make_candidate(s, team=world.team, name="=Formula Person", emails=["f@example.org"])
        make_candidate(s, team=world.team, name="Plain Person", emails=["p@example.org"])
    page.goto("/candidates")
    page.get_by_role("button", name="Export").click()
    with page.expect_download() as info:
        page.get_by_role("menuitem", name="Candidates (CSV)").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    path = tmp_path / "candidates.csv"
    download.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert "'=Formula Person" in text and "Plain Person" in text
    # What was downloaded imports again as a candidate file: both people are matched.
    with db.unit_of_work(write=False) as s:
        actor = s.get_one(User, world.admin.user.id)
        result = import_candidates(s, actor=actor, data=path.read_bytes(), dry_run=True)
    assert (result.rows, result.created, result.matched, result.invalid) == (2, 0, 2, [])
