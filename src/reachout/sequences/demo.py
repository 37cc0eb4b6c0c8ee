"""Two demo sequences with three weeks of history, for `reachout serve --demo`.

The history is made by the code that makes it for real: enrollments through `enroll`, each
due email through the worker's `claim` and `record` at the moment it was due (no SMTP: it is
recorded as sent), tasks completed through `complete_task`, and replies logged through the
touchpoint service, whose stop rule ends the enrollments they answer.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.models import Enrollment, Project, SequenceTask, User
from reachout.models.enums import Channel, Kind, ReplyStatus
from reachout.projects import service as project_service
from reachout.sequences import enrollments, sending, service, tasks
from reachout.sequences.mail import Delivery, Outcome
from reachout.sequences.schemas import EnrollmentCreate, SequenceCreate, StageIn, TaskComplete
from reachout.touchpoints.schemas import TouchpointCreate
from reachout.touchpoints.service import log_touchpoint

SEQUENCES = [
    (
        "Backend engineers: intro",
        [
            StageIn(
                channel=Channel.email,
                subject="{{first_name}}, payments infrastructure at Demo",
                body="Hi {{first_name|there}},\n\nI lead hiring for our payments platform. Your "
                "work at {{company|your company}} as {{title|an engineer}} stood out: would you "
                "be open to a short call about the {{project_name|open}} role?\n\n"
                "{{sender_first_name}}",
            ),
            StageIn(
                channel=Channel.email,
                delay_days=3,
                business_days=True,
                body="Hi {{first_name|there}}, bumping this in case it got buried. Happy to "
                "share the team's roadmap.\n\n{{sender_first_name}}",
            ),
            StageIn(
                channel=Channel.inmail,
                delay_days=4,
                business_days=True,
                instructions="Short InMail: mention the email thread and the remote policy.",
            ),
        ],
    ),
    (
        "Designers: multichannel",
        [
            StageIn(
                channel=Channel.email,
                subject="Design the recruiter workspace with us",
                body="Hi {{first_name|there}},\n\nWe're hiring a {{project_name|designer}} to "
                "own the recruiter workspace end to end. Could I tell you more?\n\n"
                "{{sender_name}}",
            ),
            StageIn(
                channel=Channel.call,
                delay_days=2,
                business_days=True,
                instructions="Call if a phone number is on file; otherwise skip.",
            ),
            StageIn(
                channel=Channel.email,
                delay_days=5,
                business_days=True,
                body="Hi {{first_name|there}}, one last note from me: the portfolio review is "
                "a conversation, not a test. Reply any time.\n\n{{sender_name}}",
            ),
        ],
    ),
]
# (sequence index, project index, how many of its candidates, days ago it started, sender index)
ENROLLMENTS = [(0, 0, 24, 24, 1), (1, 3, 18, 3, 0)]
REPLY_CHANCE = 0.35
# Tasks due this recently are left open, for the Tasks page.
OPEN_TASKS_DAYS = 2
STATUS_WEIGHTS = {
    ReplyStatus.interested: 45,
    ReplyStatus.not_interested: 30,
    ReplyStatus.later: 25,
}


def load_sequences(
    session: Session,
    rng: random.Random,
    *,
    staff: list[User],
    projects: list[Project],
    until: datetime,
) -> int:
    """Create the demo sequences and replay their history up to `until`: sends made."""
    admin = staff[0]
    replies: list[tuple[datetime, int, User]] = []
    for seq_index, project_index, count, days_ago, sender_index in ENROLLMENTS:
        name, stages = SEQUENCES[seq_index]
        sequence = service.create_sequence(
            session, actor=admin, data=SequenceCreate(name=name, stages=stages)
        )
        project = projects[project_index]
        candidate_ids = project_service.member_ids(session, project_id=project.id)[:count]
        started = until - timedelta(days=days_ago)
        result = enrollments.enroll(
            session,
            actor=admin,
            sequence_id=sequence.id,
            data=EnrollmentCreate(
                project_id=project.id,
                candidate_ids=candidate_ids,
                sender_user_id=staff[sender_index].id,
                start_at=started,
            ),
        )
        for enrollment_id in result.enrollment_ids:
            if rng.random() < REPLY_CHANCE:
                at = started + timedelta(hours=rng.uniform(20, 24 * min(days_ago, 8)))
                replies.append((at, enrollment_id, staff[sender_index]))
    return _replay(session, rng, replies=sorted(replies, key=lambda r: r[0]), until=until)


def _replay(
    session: Session,
    rng: random.Random,
    *,
    replies: list[tuple[datetime, int, User]],
    until: datetime,
) -> int:
    """Make every send, task and reply in time order, as if the worker and the recruiters had
    been at work all along."""
    sent = 0
    while True:
        send_at = sending.next_send_at(session)
        task = session.scalars(
            select(SequenceTask)
            .where(
                SequenceTask.status == "open",
                SequenceTask.due_at < until - timedelta(days=OPEN_TASKS_DAYS),
            )
            .order_by(SequenceTask.due_at)
            .limit(1)
        ).first()
        moments = [m for m in (send_at, task.due_at if task else None) if m and m <= until]
        reply_at = replies[0][0] if replies else None
        if reply_at is not None and reply_at <= until:
            moments.append(reply_at)
        if not moments:
            return sent
        at = min(moments)
        if replies and replies[0][0] == at:
            _reply(session, rng, *replies.pop(0))
        elif task is not None and task.due_at == at:
            _do_task(session, rng, task)
        else:
            sent += _send_due(session, at)


def _send_due(session: Session, at: datetime) -> int:
    """Every email due at `at`, recorded as sent (no SMTP)."""
    made = 0
    while True:
        due, claimed = sending.claim(session, worker="demo", at=at)
        if not due:
            return made
        if claimed is not None:
            sending.record(session, send_id=claimed.send_id, delivery=Delivery(Outcome.sent), at=at)
            made += 1


def _do_task(session: Session, rng: random.Random, task: SequenceTask) -> None:
    sender = session.get(User, task.user_id)
    assert sender is not None
    done_at = task.due_at + timedelta(hours=rng.uniform(0.5, 6))
    if rng.random() < 0.8:
        tasks.complete_task(
            session, actor=sender, task_id=task.id, data=TaskComplete(occurred_at=done_at)
        )
    else:
        tasks.skip_task(session, actor=sender, task_id=task.id)


def _reply(
    session: Session, rng: random.Random, at: datetime, enrollment_id: int, user: User
) -> None:
    enrollment = session.get(Enrollment, enrollment_id)
    assert enrollment is not None
    if enrollment.status not in ("active", "finished"):
        return
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    log_touchpoint(
        session,
        actor=user,
        data=TouchpointCreate(
            candidate_id=enrollment.candidate_id,
            kind=Kind.reply,
            channel=Channel.email,
            reply_status=status,
            occurred_at=at,
            project_id=enrollment.project_id,
            user_id=enrollment.user_id,
        ),
    )
