from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status
from sqlalchemy.orm import Session

from reachout.mailbox import service
from reachout.mailbox.schemas import MailboxRead, MailboxTest, MailboxUpdate
from reachout.models import Mailbox, User
from reachout.problems import PROBLEM_RESPONSES
from reachout.routing import ApiRoute, get_session
from reachout.users.auth import current_user

router = APIRouter(tags=["mailbox"], route_class=ApiRoute, responses=PROBLEM_RESPONSES)


@router.put("/me/mailbox", response_model=MailboxRead)
def connect_mailbox(
    body: MailboxUpdate,
    request: Request,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> Mailbox:
    """Connect your IMAP mailbox: replies to your sequences' mail are read from its INBOX
    (read-only), from now on. The password is stored encrypted and never shown again."""
    settings = request.app.state.settings
    return service.connect_mailbox(session, actor=user, settings=settings, data=body)


@router.get("/me/mailbox", response_model=MailboxRead)
def get_mailbox(
    user: User = Depends(current_user), session: Session = Depends(get_session)
) -> Mailbox:
    """Your mailbox's settings and how its last reading went."""
    return service.get_mailbox(session, actor=user)


@router.delete("/me/mailbox", status_code=status.HTTP_204_NO_CONTENT)
def delete_mailbox(
    user: User = Depends(current_user), session: Session = Depends(get_session)
) -> None:
    """Disconnect your mailbox (its password is deleted)."""
    service.delete_mailbox(session, actor=user)


@router.post("/me/mailbox/test", response_model=MailboxTest)
def test_mailbox(
    request: Request,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> MailboxTest:
    """Log in to your mailbox now and say how it went."""
    settings = request.app.state.settings
    return service.check_mailbox(
        session, actor=user, settings=settings, before_login=session.commit
    )
