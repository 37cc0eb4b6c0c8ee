"""What a message read from a mailbox means (SPEC §10), written once.

A message names the sends it answers (`In-Reply-To`, `References`), or failing that comes from a
candidate with an active enrollment of the mailbox's owner. A bounce stops that enrollment as
`bounced` and flags the address; an auto-reply is counted on the enrollment, which goes on;
anything else is the candidate's reply: a reply touchpoint (source `mailbox`, its status
suggested from its text), written through the touchpoint service, whose stop rule ends the
enrollment in the same transaction. The message's key is inserted first, under a unique
constraint, so a message seen twice (a copy, a restart, another worker) does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from reachout.kit import time as clock
from reachout.kit.sql import dialect_of, upsert
from reachout.kit.time import bounded_utc
from reachout.mailbox.messages import Incoming, Kind
from reachout.mailbox.suggest import suggest
from reachout.models import (
    CandidateEmail,
    Enrollment,
    Mailbox,
    MailboxMessage,
    SequenceSend,
    User,
)
from reachout.models.enums import Channel, ReplyStatus, Source
from reachout.models.enums import Kind as TouchpointKind
from reachout.models.sequence import OPEN_STATUSES
from reachout.touchpoints import service as touchpoints
from reachout.touchpoints.schemas import NOTE_MAX, TouchpointCreate

# A Date header further than this from the arrival is not believed (a wrong clock, a forgery):
# the arrival time is used instead.
DATE_TRUST = timedelta(days=2)


@dataclass(frozen=True)
class Arrival:
    mailbox: Mailbox
    uidvalidity: int
    uid: int
    arrived_at: datetime


def message_key(message: Incoming, arrival: Arrival) -> str:
    if message.message_id:
        return message.message_id[:500]
    return f"uid:{arrival.mailbox.id}:{arrival.uidvalidity}:{arrival.uid}"


def take(session: Session, message: Incoming, arrival: Arrival) -> str | None:
    """Record the message and act on it; None when it was taken already (nothing done)."""
    mailbox = arrival.mailbox
    row_id = _claim_key(session, message, arrival)
    if row_id is None:
        return None
    send, enrollment = _match(session, message, mailbox)
    if message.kind == Kind.bounce:
        outcome = _bounce(session, message, mailbox, send, enrollment)
    elif enrollment is None:
        outcome = "unmatched"
    elif message.kind == Kind.auto_reply:
        enrollment.auto_replies += 1
        enrollment.last_auto_reply_at = _when(message, arrival)
        outcome = "auto_reply"
    else:
        outcome = "reply"
        _reply(session, message, arrival, enrollment, row_id)
    session.execute(
        update(MailboxMessage)
        .where(MailboxMessage.id == row_id)
        .values(
            outcome=outcome,
            enrollment_id=enrollment.id if enrollment else None,
            candidate_id=enrollment.candidate_id if enrollment else None,
        )
        .execution_options(synchronize_session=False)
    )
    return outcome


def _claim_key(session: Session, message: Incoming, arrival: Arrival) -> int | None:
    table = MailboxMessage.__table__
    statement = (
        upsert(dialect_of(session), table)  # type: ignore[arg-type]
        .values(
            team_id=arrival.mailbox.team_id,
            mailbox_id=arrival.mailbox.id,
            message_key=message_key(message, arrival),
            outcome="unmatched",
            sender=message.sender,
            subject=message.subject[:2000],
            received_at=arrival.arrived_at,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["team_id", "message_key"])
        .returning(table.c.id)
    )
    row_id: int | None = session.execute(statement).scalar()
    return row_id


def _match(
    session: Session, message: Incoming, mailbox: Mailbox
) -> tuple[SequenceSend | None, Enrollment | None]:
    """The send the message answers and its enrollment; else the active enrollment, of the
    mailbox's owner, of the candidate who wrote it."""
    named = [*message.in_reply_to, *message.references]
    if message.kind == Kind.bounce:
        named = [*message.bounced_message_ids, *named]
    if named:
        send = session.scalars(
            select(SequenceSend)
            .where(SequenceSend.team_id == mailbox.team_id, SequenceSend.message_id.in_(named))
            .order_by(SequenceSend.stage.desc())
            .limit(1)
        ).first()
        if send is not None:
            return send, session.get(Enrollment, send.enrollment_id)
    addresses = message.bounced_recipients if message.kind == Kind.bounce else [message.sender]
    for address in filter(None, addresses):
        enrollment = session.scalars(
            select(Enrollment)
            .join(CandidateEmail, CandidateEmail.candidate_id == Enrollment.candidate_id)
            .where(
                Enrollment.team_id == mailbox.team_id,
                Enrollment.sender_user_id == mailbox.user_id,
                Enrollment.status.in_(OPEN_STATUSES),
                CandidateEmail.email_key == address.strip().lower(),
            )
            .order_by(Enrollment.id.desc())
            .limit(1)
        ).first()
        if enrollment is not None:
            return None, enrollment
    return None, None


def _bounce(
    session: Session,
    message: Incoming,
    mailbox: Mailbox,
    send: SequenceSend | None,
    enrollment: Enrollment | None,
) -> str:
    addresses = {a.strip().lower() for a in message.bounced_recipients}
    if send is not None:
        addresses.add(send.to_address.strip().lower())
    if enrollment is None and not addresses:
        return "unmatched"
    now = clock.now()
    if addresses:
        candidate_filter = (
            [CandidateEmail.candidate_id == enrollment.candidate_id] if enrollment else []
        )
        session.execute(
            update(CandidateEmail)
            .where(
                CandidateEmail.team_id == mailbox.team_id,
                func.lower(CandidateEmail.email).in_(sorted(addresses)),
                CandidateEmail.bounced_at.is_(None),
                *candidate_filter,
            )
            .values(bounced_at=now)
            .execution_options(synchronize_session=False)
        )
    if enrollment is not None and enrollment.status in OPEN_STATUSES:
        enrollment.status = "bounced"
        enrollment.status_reason = "mail to " + ", ".join(sorted(addresses)) + " bounced"
        enrollment.next_stage = None
        enrollment.next_due_at = None
        enrollment.updated_at = now
    return "bounce"


def _when(message: Incoming, arrival: Arrival) -> datetime:
    """When the candidate wrote: the Date header if it is believable, else the arrival."""
    if message.date is not None and abs(message.date - arrival.arrived_at) <= DATE_TRUST:
        try:
            return bounded_utc(message.date)
        except ValueError:
            pass
    return arrival.arrived_at


def _reply(
    session: Session,
    message: Incoming,
    arrival: Arrival,
    enrollment: Enrollment,
    row_id: int,
) -> None:
    user = session.get(User, enrollment.user_id)
    assert user is not None
    suggestion = suggest(message.text)
    touchpoint = touchpoints.log_touchpoint(
        session,
        actor=user,
        data=TouchpointCreate(
            candidate_id=enrollment.candidate_id,
            kind=TouchpointKind.reply,
            channel=Channel.email,
            reply_status=ReplyStatus(suggestion.status) if suggestion.status else None,
            note=message.text[:NOTE_MAX] or None,
            occurred_at=_when(message, arrival),
            project_id=enrollment.project_id,
            user_id=enrollment.user_id,
        ),
        source=Source.mailbox,
        suggested=True,
    )
    session.execute(
        update(MailboxMessage)
        .where(MailboxMessage.id == row_id)
        .values(
            touchpoint_id=touchpoint.id,
            suggested_because=", ".join(suggestion.words) or None,
        )
        .execution_options(synchronize_session=False)
    )
