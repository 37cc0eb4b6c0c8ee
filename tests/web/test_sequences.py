"""A sequence in the browser, end to end (SPEC §9): built in the editor with a preview on a real
candidate, candidates added from a project's More → Add to sequence, its mail sent by a worker
to an SMTP server on loopback, and its call done from the Tasks page through Log Activity.
Only the clock is set by hand (a Monday morning, inside the sending hours)."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from reachout.config import Settings
from reachout.db import Database
from reachout.models import Team
from reachout.sequences.worker import Worker
from tests.factories import World, at, make_candidate, make_project
from tests.sequences.conftest import Clock, SmtpSink


def _build_sequence(page: Page, ada_label: str) -> None:
    """Three stages in the editor: two emails (the second in the same thread) and a call."""
    page.goto("/sequences")
    page.get_by_role("link", name="New sequence").click()
    page.get_by_label("Name").fill("Backend outreach")
    page.locator("#stage-0-subject").fill("{{first_name}}, a role at Acme")
    page.locator("#stage-0-body").fill(
        "Hi {{first_name}},\n\nYour work at {{company}} caught my eye."
    )
    page.get_by_label("Preview for").select_option(label=ada_label)
    preview = page.locator("#preview")
    expect(preview.locator("#preview-stage-1")).to_contain_text("Ada, a role at Acme")
    expect(preview.locator("#preview-stage-1")).to_contain_text("Your work at Analytical Engines")

    page.get_by_role("button", name="Add stage").click()
    page.locator("#stage-1-delay").fill("1")
    # A token goes where the cursor is, from the list of tokens.
    page.locator("#stage-1-body").fill("Following up, ")
    page.get_by_role("button", name="{{first_name}}").click()
    expect(page.locator("#stage-1-body")).to_have_value("Following up, {{first_name}}")
    expect(preview.locator("#preview-stage-2")).to_contain_text("Re: Ada, a role at Acme")
    expect(preview.locator("#preview-stage-2")).to_contain_text("Following up, Ada")

    page.get_by_role("button", name="Add stage").click()
    page.locator("#stage-2-channel").select_option(label="Call")
    expect(page.locator("#stage-2-subject")).to_be_hidden()
    page.locator("#stage-2-delay").fill("0")
    page.locator("#stage-2-instructions").fill("Call {{first_name}} about {{title}}")
    # Ada has no title: the preview says the task would be held, not blank.
    expect(preview.locator("#preview-stage-3")).to_contain_text(
        "held: {{title}} has no value for this candidate and no fallback"
    )
    page.locator("#stage-2-instructions").fill("Call {{first_name}} about the role")
    expect(preview.locator("#preview-stage-3")).to_contain_text("Call Ada about the role")
    page.get_by_role("button", name="Save sequence").click()
    page.wait_for_url(re.compile(r"/sequences/\d+$"))
    expect(page.get_by_role("heading", name="Backend outreach")).to_be_visible()


def _figure(page: Page, name: str) -> str:
    return page.locator(f"#figures [data-figure={name}]").inner_text()


def test_build_enroll_send_and_complete_the_call(
    signed_in: Callable[..., BrowserContext],
    db: Database,
    world: World,
    smtp: SmtpSink,
    fake_clock: Clock,
) -> None:
    fake_clock.at = at("2026-03-02 09:00")  # a Monday; the team sends Mon-Fri 08:00-18:00 UTC
    with db.unit_of_work() as s:
        team = s.get(Team, world.team.id)
        assert team is not None
        ada = make_candidate(
            s,
            team=team,
            name="Ada Lovelace",
            company="Analytical Engines",
            emails=["ada@example.org"],
        )
        bob = make_candidate(s, team=team, name="Bob Stone", emails=[])
        project = make_project(s, team=team, candidates=[ada, bob], name="Backend")
    page = signed_in("member").new_page()
    _build_sequence(page, "Ada Lovelace · Analytical Engines")
    expect(page.locator("#smtp-notice")).to_contain_text("REACHOUT_SMTP_URL")

    page.goto(f"/projects/{project.id}")
    page.get_by_label("Select Ada Lovelace").check()
    page.get_by_label("Select Bob Stone").check()
    page.get_by_role("button", name="More").click()
    page.get_by_role("menuitem", name="Add to sequence").click()
    dialog = page.get_by_role("dialog", name="Add to sequence")
    expect(dialog).to_contain_text("For the 2 selected candidates.")
    expect(dialog.get_by_label("Sequence", exact=True)).to_have_value(re.compile(r"\d+"))
    expect(dialog.get_by_label("Send as")).to_contain_text(f"{world.member.user.name} (me)")
    dialog.get_by_role("button", name="Add to sequence").click()
    expect(dialog.locator("#enroll-result")).to_contain_text(
        "1 enrolled; 1 skipped: 1 without email."
    )
    dialog.get_by_role("button", name="Close").click()

    settings = Settings(database_url=db.settings.database_url, smtp_url=smtp.url)
    worker = Worker(db, settings, name="web-worker", now=fake_clock)
    assert worker.run_once() == 1
    [mail] = smtp.to("ada@example.org")
    assert mail["Subject"] == "Ada, a role at Acme"

    page.goto(f"/candidates/{ada.id}")
    entry = page.locator("#timeline li.entry").first
    expect(entry).to_contain_text("Email")
    expect(entry).to_contain_text("First reach out")
    expect(entry).to_contain_text("Sequence: Backend outreach · stage 1")
    expect(page.locator("#candidate-sequences")).to_contain_text("Backend outreach")
    expect(page.locator("#candidate-sequences")).to_contain_text("next: stage 2 · Email")

    page.goto("/sequences")
    row = page.locator("table.sequences tbody tr", has_text="Backend outreach")
    for name, value in (("enrolled", "1"), ("active", "1"), ("sent", "1"), ("replied", "0")):
        expect(row.locator(f"[data-figure={name}]")).to_have_text(value)

    # Tuesday: the follow-up goes, and the call becomes a task due at once.
    fake_clock.at = at("2026-03-03 09:00")
    assert worker.run_once() == 1
    page.goto("/tasks")
    expect(page.locator("#tasks-badge")).to_contain_text("1")
    task = page.locator("#tasks tr", has_text="Ada Lovelace")
    expect(task).to_contain_text("Call Ada about the role")
    expect(task).to_contain_text("Backend outreach · stage 3")
    task.get_by_role("link", name="Complete: Call Ada Lovelace").click()
    log = page.get_by_role("dialog", name="Log Activity")
    expect(log.get_by_label("Type")).to_have_value("Call")
    expect(log.get_by_label("Type")).to_be_disabled()
    log.get_by_label("Note").fill("Left a voicemail")
    log.get_by_role("button", name="Save activity").click()
    expect(log).to_contain_text("Saved: Call · Follow-up (auto) for Ada Lovelace.")
    expect(page.locator("#tasks")).to_contain_text("Nothing due.")
    expect(page.locator("#tasks-badge")).not_to_contain_text("1")
    log.get_by_role("link", name="See Ada Lovelace's activity").click()

    entry = page.locator("#timeline li.entry", has_text="Left a voicemail")
    expect(entry).to_contain_text("Call")
    expect(entry).to_contain_text("Sequence: Backend outreach · stage 3")
    expect(page.locator("#candidate-sequences")).to_contain_text("Finished")
    page.goto("/sequences")
    expect(page.locator("table.sequences [data-figure=sent]")).to_have_text("2")
