"""A tour of every page of the web app, each in the state a user sees it: with its form or dialog
open. The phone layout and the accessibility check walk the same tour.

The data is long on purpose (a long name, email, LinkedIn URL, project name): whatever can
widen a page does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from reachout.db import Database
from reachout.models import User
from reachout.models.enums import Channel, ReplyStatus
from reachout.sequences import enrollments
from reachout.sequences import service as sequences
from reachout.sequences.schemas import EnrollmentCreate, SequenceCreate, StageIn
from tests.factories import World, make_candidate, make_project
from tests.mailbox.helpers import connect, mailbox_reply
from tests.touchpoints.helpers import log

LONG_NAME = "Maximiliana Featherstonehaugh-Wolstenholme"


@dataclass(frozen=True)
class Sights:
    candidate_id: int
    project_id: int
    sequence_id: int


@dataclass(frozen=True)
class Stop:
    name: str
    path: str
    signed_in: bool = True
    # Opens what the page keeps closed (a form, a dialog), as a user would.
    then: Callable[[Page], None] | None = None


def seed(db: Database, world: World) -> Sights:
    """Candidates with history, in a project, with stats to show for the last 30 days."""
    with db.unit_of_work() as s:
        long_one = make_candidate(
            s,
            team=world.team,
            name=LONG_NAME,
            emails=["maximiliana.featherstonehaugh-wolstenholme@interplanetary-logistics.example"],
            phone="+44 20 7946 0958",
            title="Principal Site Reliability Engineer",
            company="Consolidated Interplanetary Logistics",
            location="Kingston upon Thames, United Kingdom",
            linkedin_url="https://www.linkedin.com/in/maximiliana-featherstonehaugh-wolstenholme",
        )
        others = [make_candidate(s, team=world.team, name=f"Person {i}") for i in range(3)]
        project = make_project(
            s,
            team=world.team,
            name="Senior Backend Engineer, Platform Infrastructure (EMEA)",
            description="Distributed systems, on call one week in six, hybrid in London or Berlin.",
            candidates=[long_one, *others],
        )
        recently = datetime.now(UTC) - timedelta(days=2)
        admin, member = s.get(User, world.admin.id), s.get(User, world.member.id)
        assert admin is not None and member is not None
        log(s, admin, long_one.id, recently, channel=Channel.call)
        log(s, member, others[0].id, recently + timedelta(hours=1), channel=Channel.text)
        # The admin's mailbox, which could not be read, and a reply read from it (before the
        # enrollment below, which a reply would stop) whose status is still a suggestion; the
        # long-named candidate's address bounced.
        mailbox = connect(s, db.settings, admin, host="127.0.0.1", port=1)  # nothing listens
        mailbox.status, mailbox.last_error = "error", "cannot reach 127.0.0.1:1: refused"
        mailbox_reply(
            s,
            db.settings,
            admin,
            candidate_id=long_one.id,
            text="Thanks for reaching out! Happy to chat about the platform role next week.",
            status=ReplyStatus.interested,
            because=["happy to chat"],
            at=recently + timedelta(hours=3),
        )
        long_one.emails[0].bounced_at = recently + timedelta(hours=4)
        # A sequence the long-named candidate is in: its first stage, a call, is the admin's task.
        sequence = sequences.create_sequence(
            s,
            actor=admin,
            data=SequenceCreate(
                name="Senior Backend Engineer outreach, Platform Infrastructure (EMEA)",
                stages=[
                    StageIn(
                        channel=Channel.call,
                        instructions="Call {{first_name}} about {{project_name}}; "
                        "ask about on call one week in six.",
                    ),
                    StageIn(
                        channel=Channel.email,
                        delay_days=3,
                        business_days=True,
                        subject="{{first_name}}, a role at {{company|your company}}",
                        body="Hi {{first_name}},\n\nFollowing our call: {{project_name}}.",
                    ),
                ],
            ),
        )
        enrollments.enroll(
            s,
            actor=admin,
            sequence_id=sequence.id,
            data=EnrollmentCreate(project_id=project.id, candidate_ids=[long_one.id]),
        )
        return Sights(candidate_id=long_one.id, project_id=project.id, sequence_id=sequence.id)


def _open_log_activity(page: Page) -> None:
    page.get_by_text("Log Activity", exact=True).click()
    form = page.get_by_role("form", name="Log Activity")
    form.get_by_label("Outreach/Reply").select_option(label="Reply")  # shows Reply Status too
    expect(form.get_by_label("Reply Status")).to_be_visible()


def _open_bulk_dialog(page: Page) -> None:
    page.locator("[data-row-check]").first.check()
    page.get_by_role("button", name="More").click()
    page.get_by_role("menuitem", name="Log Outreach/Reply").click()
    expect(page.get_by_role("dialog", name="Log Outreach/Reply")).to_be_visible()


def _open_sequence_dialog(page: Page) -> None:
    page.locator("[data-row-check]").first.check()
    page.get_by_role("button", name="More").click()
    page.get_by_role("menuitem", name="Add to sequence").click()
    dialog = page.get_by_role("dialog", name="Add to sequence")
    expect(dialog.get_by_label("Send as")).to_be_visible()


def _preview_shown(page: Page) -> None:
    expect(page.locator("#preview .preview-stages, #preview p.muted").first).to_be_visible()
    expect(page.locator("#preview")).not_to_contain_text("Loading the preview")


def _open_complete(page: Page) -> None:
    page.get_by_role("link", name="Complete").first.click()
    expect(page.get_by_role("dialog", name="Log Activity").get_by_label("Note")).to_be_visible()


def _open(summary: str) -> Callable[[Page], None]:
    def open_details(page: Page) -> None:
        page.locator("summary", has_text=summary).click()
        expect(page.locator("details[open] > summary", has_text=summary)).to_be_visible()

    return open_details


def _open_export_menu(page: Page) -> None:
    page.get_by_role("button", name="Export").click()
    expect(page.get_by_role("menuitem", name="Candidates (CSV)")).to_be_visible()


def _test_mailbox(page: Page) -> None:
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#mailbox-state")).to_contain_text("Test connection failed")


def _open_shortcuts(page: Page) -> None:
    page.locator("h1").click()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()


def stops(sights: Sights) -> list[Stop]:
    candidate, project = f"/candidates/{sights.candidate_id}", f"/projects/{sights.project_id}"
    return [
        Stop("sign-in", "/sign-in", signed_in=False),
        Stop("404, signed out", "/no-such-page", signed_in=False),
        Stop("candidates", "/candidates"),
        Stop("candidates, Add candidate", "/candidates", then=_open("Add candidate")),
        Stop("candidates, Export menu", "/candidates", then=_open_export_menu),
        Stop("candidates, filtered and sorted", "/candidates?contacted=yes&sort=-last_contacted"),
        Stop("keyboard shortcuts", "/candidates", then=_open_shortcuts),
        # The seed's outreach is two days old: due after one day.
        Stop("Follow-ups", "/follow-ups?days=1"),
        Stop("profile, Log Activity", candidate, then=_open_log_activity),
        Stop("profile, Edit candidate", candidate, then=_open("Edit candidate")),
        Stop("projects, New project", "/projects", then=_open("New project")),
        Stop("project, bulk dialog", project, then=_open_bulk_dialog),
        Stop("project, Add to sequence", project, then=_open_sequence_dialog),
        Stop("Sequences", "/sequences"),
        Stop("sequence", f"/sequences/{sights.sequence_id}"),
        Stop("sequence editor, new", "/sequences/new", then=_preview_shown),
        Stop("sequence editor", f"/sequences/{sights.sequence_id}/edit", then=_preview_shown),
        Stop("Tasks", "/tasks"),
        Stop("Tasks, Complete", "/tasks", then=_open_complete),
        Stop("Outreach Stats", "/stats?group_by=user"),
        Stop("settings", "/settings"),
        Stop("settings, Test connection", "/settings", then=_test_mailbox),
        Stop("import", "/candidates/import"),
        Stop("404", "/candidates/999999999"),
    ]


def walk(signed_in: Page, signed_out: Page, sights: Sights) -> Iterator[tuple[Stop, Page]]:
    """Goes to each stop (on the signed-in or the signed-out page) and opens what it opens."""
    for stop in stops(sights):
        page = signed_in if stop.signed_in else signed_out
        page.goto(stop.path)
        if stop.then is not None:
            stop.then(page)
        yield stop, page
