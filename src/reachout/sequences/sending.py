"""Sending an email stage (SPEC §9), in two transactions around the SMTP conversation.

`claim` picks one due email stage (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent workers
never pick the same; SQLite has one writer), checks the stop rule again, renders the mail and
records the send as `sending` with its Message-ID, before any SMTP. `record` then writes the
outcome, and for a sent mail the email touchpoint, in one transaction. A send left `sending` by
a worker that died is `unknown` after `LEASE` (`recover`): it is never repeated blindly.

Lock order: the claim locks only the enrollment row. A reply's writer locks the candidate's
history, then updates the enrollment (the stop rule); `record` does the same in that order, so
no two of them wait on each other in a circle.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from reachout.kit import time as clock
from reachout.models import (
    Candidate,
    CandidateEmail,
    Enrollment,
    Project,
    Sequence,
    SequenceSend,
    SequenceStage,
    Team,
    User,
)
from reachout.models.enums import Channel, DesignationChoice, Kind, Source
from reachout.projection.enrollments import replied_since_start
from reachout.sequences import letters
from reachout.sequences.enrollments import advance, stage_at
from reachout.sequences.mail import Delivery, Letter, Outcome
from reachout.sequences.schedule import SendingWindow, local_day_bounds, open_at
from reachout.sequences.schemas import EnrollmentStatus
from reachout.touchpoints import service as touchpoints
from reachout.touchpoints.schemas import TouchpointCreate

# A send `sending` for longer than this belongs to a worker that died mid-conversation (a
# conversation lasts at most a few SMTP timeouts).
LEASE = timedelta(minutes=5)
# A temporary refusal is tried again after these waits, then the enrollment fails.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
# A send held for a token without a value is looked at again after this.
HOLD_RECHECK = timedelta(hours=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Claimed:
    send_id: int
    letter: Letter


def _email_stages(columns: Any) -> Select[Any]:
    """Active enrollments whose next stage is an email: what workers send."""
    return (
        select(columns)
        .join(
            SequenceStage,
            and_(
                SequenceStage.sequence_id == Enrollment.sequence_id,
                SequenceStage.position == Enrollment.next_stage,
            ),
        )
        .where(
            Enrollment.status == EnrollmentStatus.active.value,
            SequenceStage.channel == Channel.email.value,
        )
    )


def _due_email(at: datetime) -> Select[Any]:
    return (
        _email_stages(Enrollment)
        .where(Enrollment.next_due_at <= at)
        .order_by(Enrollment.next_due_at, Enrollment.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=Enrollment)
    )


def next_send_at(session: Session) -> datetime | None:
    """When the next email is due, of all teams (None: none is)."""
    at: datetime | None = session.scalar(_email_stages(func.min(Enrollment.next_due_at)))
    return at


def claim(session: Session, *, worker: str, at: datetime) -> tuple[bool, Claimed | None]:
    """Take the next due email stage: (whether one was due, the mail to send if it may go).
    One that was due but may not go (a reply came, a value is missing, the daily cap) is
    dealt with here and the transaction is to be committed all the same."""
    enrollment = session.scalars(_due_email(at)).first()
    if enrollment is None:
        return False, None
    if session.scalar(select(replied_since_start().where(Enrollment.id == enrollment.id))):
        # A reply committed since the enrollment's last look: the stop rule wins the race.
        _end(enrollment, EnrollmentStatus.replied, "the candidate replied")
        return True, None
    existing = _stage_send(session, enrollment)
    if existing is not None and existing.status == "sending":
        # Made due again while a worker is sending this stage (resumed or re-timed meanwhile):
        # that worker's `record`, or `recover`, moves the enrollment on.
        enrollment.next_due_at = None
        return True, None
    sequence = session.get(Sequence, enrollment.sequence_id)
    candidate = session.get(Candidate, enrollment.candidate_id)
    team = session.get(Team, enrollment.team_id)
    sender = session.get(User, enrollment.sender_user_id)
    assert sequence is not None and team is not None and sender is not None
    if candidate is None or candidate.deleted_at is not None:
        _end(enrollment, EnrollmentStatus.stopped, "the candidate was deleted")
        return True, None
    stage = stage_at(sequence, enrollment.next_stage)
    assert stage is not None
    window = SendingWindow.of_team(team)
    if not window.contains(at):
        # The team's sending hours changed since this was timed: wait for them to open.
        enrollment.next_due_at = open_at(at, window)
        return True, None
    if _over_cap(session, sender=sender, team=team, at=at):
        _, day_end = local_day_bounds(clock.local_day(at, team.time_zone), team.time_zone)
        enrollment.next_due_at = open_at(day_end, window)
        enrollment.held_reason = (
            f"{sender.name} reached the daily cap of {team.daily_send_cap} emails"
        )
        return True, None
    address = _address(session, candidate.id)
    if address is None:
        _end(enrollment, EnrollmentStatus.failed, "the candidate has no email address to send to")
        return True, None
    letter = letters.letter_of(session, enrollment, sequence, stage, candidate, sender, address)
    if isinstance(letter, str):
        enrollment.held_reason = letter
        enrollment.next_due_at = at + HOLD_RECHECK
        return True, None
    send = _send_row(session, enrollment, existing, sender, letter, worker=worker, at=at)
    enrollment.held_reason = None
    # Not due while it is being sent, so that no other worker claims it once this commits
    # (PostgreSQL: a worker that finds the row unlocked re-reads it before locking it, and
    # skips it); `record` or `recover` sets what comes next.
    enrollment.next_due_at = None
    return True, Claimed(send.id, letters.with_message_id(letter, send))


def _stage_send(session: Session, enrollment: Enrollment) -> SequenceSend | None:
    """The send of the enrollment's next stage, if one was ever claimed."""
    return session.scalar(
        select(SequenceSend).where(
            SequenceSend.enrollment_id == enrollment.id,
            SequenceSend.stage == enrollment.next_stage,
        )
    )


def _end(enrollment: Enrollment, status: EnrollmentStatus, reason: str) -> None:
    enrollment.status = status.value
    enrollment.status_reason = reason
    enrollment.next_stage = None
    enrollment.next_due_at = None
    enrollment.updated_at = clock.now()


def _over_cap(session: Session, *, sender: User, team: Team, at: datetime) -> bool:
    start, end = local_day_bounds(clock.local_day(at, team.time_zone), team.time_zone)
    sent = session.scalar(
        select(func.count()).where(
            SequenceSend.sender_user_id == sender.id,
            SequenceSend.claimed_at >= start,
            SequenceSend.claimed_at < end,
            SequenceSend.status.in_(("sent", "sending", "unknown")),
        )
    )
    return (sent or 0) >= team.daily_send_cap


def _address(session: Session, candidate_id: int) -> str | None:
    """The candidate's first address that has not bounced."""
    return session.scalar(
        select(CandidateEmail.email)
        .where(CandidateEmail.candidate_id == candidate_id, CandidateEmail.bounced_at.is_(None))
        .order_by(CandidateEmail.position, CandidateEmail.id)
        .limit(1)
    )


def _send_row(
    session: Session,
    enrollment: Enrollment,
    send: SequenceSend | None,
    sender: User,
    letter: Letter,
    *,
    worker: str,
    at: datetime,
) -> SequenceSend:
    if send is None:
        assert enrollment.next_stage is not None
        send = SequenceSend(
            team_id=enrollment.team_id,
            enrollment_id=enrollment.id,
            stage=enrollment.next_stage,
            sender_user_id=sender.id,
            message_id=letters.new_message_id(sender.email),
            attempts=0,
        )
        session.add(send)
    send.from_address = letter.from_address
    send.to_address = letter.to_address
    send.subject = letter.subject
    send.body = letter.body
    send.in_reply_to = letter.in_reply_to
    send.references = letter.references
    send.status = "sending"
    send.attempts += 1
    send.claimed_by = worker
    send.claimed_at = at
    session.flush()
    return send


def record(session: Session, *, send_id: int, delivery: Delivery, at: datetime) -> None:
    """Write what became of a send; a sent mail's touchpoint in the same transaction."""
    send = session.get(SequenceSend, send_id)
    assert send is not None
    enrollment = session.get(Enrollment, send.enrollment_id)
    assert enrollment is not None
    send.claimed_by = None
    if delivery.outcome == Outcome.sent:
        _sent(session, send, enrollment, at)
    elif delivery.outcome == Outcome.temporary and send.attempts <= len(BACKOFF):
        send.status = "retrying"
        send.last_error = delivery.detail
        team = session.get(Team, enrollment.team_id)
        assert team is not None
        wait = BACKOFF[send.attempts - 1]
        enrollment.next_due_at = open_at(at + wait, SendingWindow.of_team(team))
        enrollment.held_reason = f"retrying after: {delivery.detail}"
    elif delivery.outcome == Outcome.unknown:
        send.status = "unknown"
        send.last_error = delivery.detail
        _pause_unknown(enrollment, send.stage, delivery.detail)
    else:
        send.status = "failed"
        send.last_error = delivery.detail
        if enrollment.status in ("active", "paused"):
            _end(enrollment, EnrollmentStatus.failed, delivery.detail or "refused")


def _pause_unknown(enrollment: Enrollment, stage: int, detail: str | None) -> None:
    if enrollment.status not in ("active", "paused"):
        return
    enrollment.status = EnrollmentStatus.paused.value
    enrollment.status_reason = (
        f"stage {stage} may or may not have been sent ({detail}): check the mailbox, then "
        "resume to send it again, or stop"
    )
    enrollment.next_due_at = None


def _sent(session: Session, send: SequenceSend, enrollment: Enrollment, at: datetime) -> None:
    send.status = "sent"
    send.sent_at = at
    send.last_error = None
    user = session.get(User, enrollment.user_id)
    sequence = session.get(Sequence, enrollment.sequence_id)
    assert user is not None and sequence is not None
    touchpoint = touchpoints.log_touchpoint(
        session,
        actor=user,
        data=TouchpointCreate(
            candidate_id=enrollment.candidate_id,
            kind=Kind.outreach,
            channel=Channel.email,
            designation=DesignationChoice.auto,
            occurred_at=at,
            project_id=_live_project(session, enrollment),
            user_id=enrollment.user_id,
            on_behalf_of_user_id=(
                enrollment.sender_user_id
                if enrollment.sender_user_id != enrollment.user_id
                else None
            ),
        ),
        source=Source.sequence,
        step=touchpoints.SequenceStep(sequence.id, send.stage),
    )
    send.touchpoint_id = touchpoint.id
    # The reply's writer may have stopped it since the claim (after locking the history):
    # read its status again, now that this transaction holds the history too.
    session.refresh(enrollment)
    team = session.get(Team, enrollment.team_id)
    assert team is not None
    if enrollment.next_stage == send.stage:
        advance(session, enrollment, sequence=sequence, team=team, done_at=at)


def _live_project(session: Session, enrollment: Enrollment) -> int | None:
    if enrollment.project_id is None:
        return None
    return enrollment.project_id if session.get(Project, enrollment.project_id) else None


def recover(session: Session, *, at: datetime) -> int:
    """Sends left `sending` by a worker that died become `unknown`; their enrollments pause
    with the reason. Answers how many."""
    stale = session.scalars(
        select(SequenceSend)
        .where(SequenceSend.status == "sending", SequenceSend.claimed_at < at - LEASE)
        .with_for_update(skip_locked=True)
    ).all()
    for send in stale:
        send.status = "unknown"
        send.last_error = f"the worker {send.claimed_by} stopped during the SMTP conversation"
        send.claimed_by = None
        enrollment = session.get(Enrollment, send.enrollment_id)
        if enrollment is not None:
            _pause_unknown(enrollment, send.stage, send.last_error)
    return len(stale)
