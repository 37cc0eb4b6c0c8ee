"""The mail of a sequence stage (SPEC §9): its tokens' values, its subject in the thread, and
its Message-ID."""

from __future__ import annotations

from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.models import (
    Candidate,
    Enrollment,
    Project,
    Sequence,
    SequenceSend,
    SequenceStage,
    User,
)
from reachout.sequences import templates
from reachout.sequences.mail import Letter


def token_values(
    candidate: Candidate, sender: User, project_name: str | None
) -> dict[str, str | None]:
    """What a template's tokens stand for (SPEC §9)."""
    first, last = templates.names(candidate.name)
    sender_first, _ = templates.names(sender.name)
    return {
        "first_name": first,
        "last_name": last,
        "full_name": candidate.name,
        "company": candidate.company,
        "title": candidate.title,
        "sender_first_name": sender_first,
        "sender_name": sender.name,
        "project_name": project_name,
    }


def letter_of(
    session: Session,
    enrollment: Enrollment,
    sequence: Sequence,
    stage: SequenceStage,
    candidate: Candidate,
    sender: User,
    address: str,
) -> Letter | str:
    """The mail of this stage, or why it cannot be made yet."""
    project = session.get(Project, enrollment.project_id) if enrollment.project_id else None
    values = token_values(candidate, sender, project.name if project else None)
    earlier = session.scalars(
        select(SequenceSend)
        .where(SequenceSend.enrollment_id == enrollment.id, SequenceSend.status == "sent")
        .order_by(SequenceSend.stage)
    ).all()
    try:
        body = templates.render(stage.body or "", values)
        if stage.subject:
            subject = templates.render(stage.subject, values)
        elif earlier:
            subject = "Re: " + earlier[0].subject.removeprefix("Re: ")
        else:
            # The first email stage has a subject (checked on save); an earlier stage was
            # never sent (the sequence changed): this one opens the thread.
            subject = templates.render(first_subject(sequence) or sequence.name, values)
    except templates.MissingValue as missing:
        return f"stage {stage.position} is held: {missing}"
    # A stage without a subject answers the earlier mails, in their thread.
    threaded = bool(earlier) and not stage.subject
    return Letter(
        from_name=sender.name,
        from_address=sender.email,
        to_address=address,
        subject=subject,
        body=body,
        message_id="",
        in_reply_to=earlier[-1].message_id if threaded else None,
        references=" ".join(s.message_id for s in earlier) if threaded else None,
    )


def first_subject(sequence: Sequence) -> str | None:
    return next((s.subject for s in sequence.stages if s.subject), None)


def new_message_id(sender_email: str) -> str:
    domain = sender_email.rpartition("@")[2] or "reachout.invalid"
    return make_msgid(domain=domain)


def with_message_id(letter: Letter, send: SequenceSend) -> Letter:
    return Letter(
        from_name=letter.from_name,
        from_address=letter.from_address,
        to_address=letter.to_address,
        subject=letter.subject,
        body=letter.body,
        message_id=send.message_id,
        in_reply_to=letter.in_reply_to,
        references=letter.references,
    )
