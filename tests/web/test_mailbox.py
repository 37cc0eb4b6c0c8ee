"""A reply read from the mailbox, in the browser: its suggested status confirmed with one click."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select

from reachout.db import Database
from reachout.models import Touchpoint, User
from reachout.models.enums import ReplyStatus
from tests.factories import World, make_candidate
from tests.mailbox.helpers import mailbox_reply


def test_a_suggested_reply_status_is_confirmed_with_one_click(
    signed_in: Callable[..., BrowserContext], db: Database, world: World
) -> None:
    with db.unit_of_work() as s:
        member = s.get(User, world.member.id)
        assert member is not None
        candidate = make_candidate(s, team=member.team, name="Ada Lovelace")
        reply = mailbox_reply(
            s,
            db.settings,
            member,
            candidate_id=candidate.id,
            text="Sounds great, happy to chat on Thursday. <script>window.pwned = 1</script>",
            status=ReplyStatus.interested,
            because=["happy to chat"],
            at=datetime.now(UTC) - timedelta(hours=1),
        )
    page = signed_in("member").new_page()
    page.goto(f"/candidates/{candidate.id}")
    entry = page.locator(f"#touchpoint-{reply.id}")
    expect(entry.locator(".what")).to_have_text("Reply · Interested · suggested")
    expect(entry).to_contain_text("Suggested because the reply says “happy to chat”.")
    expect(entry).to_contain_text(f"From the mailbox of {world.member.user.name}")
    # The reply's text is shown as it was written, markup and all, and nothing of it runs.
    expect(entry.locator(".note")).to_have_text(
        "Sounds great, happy to chat on Thursday. <script>window.pwned = 1</script>"
    )
    assert page.evaluate("() => window.pwned") is None

    entry.get_by_role("button", name="Confirm").click()

    expect(page.locator("#activity-status")).to_have_text("Reply status confirmed: Interested.")
    entry = page.locator(f"#touchpoint-{reply.id}")
    expect(entry.locator(".what")).to_have_text("Reply · Interested")
    expect(entry.get_by_role("button", name="Confirm")).to_have_count(0)
    with db.unit_of_work() as s:
        stored = s.scalars(select(Touchpoint).where(Touchpoint.id == reply.id)).one()
        assert (stored.reply_status, stored.reply_status_suggested) == ("interested", False)
