"""The settings page's Mailbox section (SPEC §10): each user connects their own IMAP mailbox,
tests the connection, and disconnects it. The password is never shown back."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from reachout.errors import Invalid, NotFound
from reachout.mailbox import service
from reachout.mailbox.schemas import MailboxUpdate
from reachout.models import Touchpoint, User
from reachout.routing import get_session
from reachout.users.auth import page_user
from reachout.users.pages import render_settings
from reachout.web.errors import is_htmx
from reachout.web.forms import errors_by_field, validate
from reachout.web.route import PageRoute, render

router = APIRouter(route_class=PageRoute)

SAVED = "/settings?saved=mailbox"


class MailboxForm:
    """The section's form as posted. A password left blank keeps the stored one."""

    def __init__(
        self,
        host: str = Form(""),
        port: str = Form(""),
        tls: str = Form("tls"),
        username: str = Form(""),
        password: str = Form(""),
    ) -> None:
        self.host, self.port, self.tls = host.strip(), port.strip(), tls
        self.username, self.password = username.strip(), password

    def data(self) -> dict[str, Any]:
        if not self.port.isdecimal():
            raise Invalid.on("port", "must be a number from 1 to 65535 (usually 993)")
        return {
            "host": self.host,
            "port": int(self.port),
            "tls": self.tls,
            "username": self.username,
            "password": self.password or None,
        }

    def values(self) -> dict[str, str]:
        """What is shown again after a mistake: never the password."""
        return {"host": self.host, "port": self.port, "tls": self.tls, "username": self.username}


@router.post("/settings/mailbox")
def connect_mailbox(
    request: Request,
    form: MailboxForm = Depends(),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    try:
        data = validate(MailboxUpdate, form.data())
        settings = request.app.state.settings
        service.connect_mailbox(session, actor=user, settings=settings, data=data)
    except Invalid as exc:
        return render_settings(
            request,
            session,
            user,
            status=422,
            mailbox_errors=errors_by_field(exc),
            mailbox_form=form.values(),
        )
    return RedirectResponse(SAVED, status_code=303)


@router.post("/settings/mailbox/test")
def check_connection(
    request: Request, user: User = Depends(page_user), session: Session = Depends(get_session)
) -> Response:
    """Log in to the saved mailbox now: htmx swaps in the section's status with the result."""
    settings = request.app.state.settings
    result = service.check_mailbox(
        session, actor=user, settings=settings, before_login=session.commit
    )
    if not is_htmx(request):
        return render_settings(request, session, user, mailbox_test=result)
    context = {"mailbox": service.find_mailbox(session, actor=user), "mailbox_test": result}
    return render(request, "mailbox/_state.html", context, user=user)


@router.post("/settings/mailbox/delete")
def disconnect_mailbox(
    request: Request, user: User = Depends(page_user), session: Session = Depends(get_session)
) -> Response:
    """Disconnect: the settings and the password are deleted; nothing more is read."""
    # Disconnected already (in another tab): what was asked is done.
    with suppress(NotFound):
        service.delete_mailbox(session, actor=user)
    if is_htmx(request):
        # htmx would swap a followed redirect in place: it is told to navigate instead.
        return Response(status_code=204, headers={"HX-Redirect": SAVED})
    return RedirectResponse(SAVED, status_code=303)


def settings_section(session: Session, user: User) -> dict[str, Any]:
    """The user's mailbox, for the Settings page (`users.pages.SETTINGS_EXTRAS`)."""
    return {"mailbox": service.find_mailbox(session, actor=user)}


def timeline_suggestions(
    session: Session, user: User, entries: Sequence[Touchpoint]
) -> dict[str, Any]:
    """Replies read from a mailbox whose status is still a suggestion: the words that decided
    it (`touchpoints.pages.TIMELINE_EXTRAS`)."""
    return {
        "suggested_because": service.suggestion_words(
            session, actor=user, touchpoint_ids=[t.id for t in entries if t.reply_status_suggested]
        )
    }
