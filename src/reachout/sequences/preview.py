"""The editor's live preview (SPEC §9): each stage of a draft, as it would go to a real
candidate, with the values a send would use. A token without a value is shown as the hold it
would be, never as a blank; an unknown token as the error saving it would give.

`render_text` is the one way the pages show a template filled in: the preview and the Tasks
page's instructions both use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence as Seq
from dataclasses import dataclass

from sqlalchemy.orm import Session

from reachout.candidates import listing
from reachout.candidates import service as candidates
from reachout.candidates.schemas import CandidateListQuery, CandidateSort
from reachout.models import Candidate, User
from reachout.models.enums import Channel
from reachout.projects import service as projects
from reachout.sequences import templates
from reachout.sequences.letters import token_values

# How many of the team's candidates the preview offers, the most recently added first.
CHOICES = 50


@dataclass(frozen=True)
class Rendered:
    """A template filled in: its text, or why there is none (`held` or `error`)."""

    text: str | None
    held: str | None = None
    error: str | None = None


def render_text(template: str, values: Mapping[str, str | None]) -> Rendered:
    try:
        return Rendered(templates.render(template, values))
    except templates.TemplateError as error:
        return Rendered(None, error=str(error))
    except templates.MissingValue as missing:
        return Rendered(None, held=f"held: {missing}")


@dataclass(frozen=True)
class StageDraft:
    """A stage as the editor has it, saved or not."""

    channel: str
    subject: str = ""
    body: str = ""
    instructions: str = ""


@dataclass(frozen=True)
class StagePreview:
    position: int
    channel: str
    # Email stages: the subject (a later stage without one: "Re: " the thread's) and the body.
    subject: Rendered | None = None
    body: Rendered | None = None
    # Manual stages: the sender's instructions.
    instructions: Rendered | None = None
    threaded: bool = False

    @property
    def held(self) -> str | None:
        """Why this stage would wait for this candidate, if it would."""
        parts = (self.subject, self.body, self.instructions)
        return next((p.held for p in parts if p is not None and p.held), None)


@dataclass(frozen=True)
class Preview:
    candidate: Candidate | None
    project_name: str | None
    stages: list[StagePreview]


def preview_choices(session: Session, *, actor: User, limit: int = CHOICES) -> list[Candidate]:
    """The candidates a preview can be made for: the team's most recently added."""
    query = CandidateListQuery(sort=CandidateSort.added_desc)
    return list(listing.list_page(session, actor=actor, query=query, size=limit).items)


def _project_name(session: Session, *, actor: User, candidate: Candidate) -> str | None:
    """The project a send would name: the candidate's most recent one."""
    read = candidates.read_candidate(session, candidate)
    names = projects.project_names(session, actor=actor, project_ids=read.project_ids)
    return names[max(names)] if names else None


def preview(
    session: Session, *, actor: User, candidate_id: int | None, stages: Seq[StageDraft]
) -> Preview:
    """Each stage filled in with the candidate's values, sent by the actor."""
    if candidate_id is None:
        return Preview(None, None, [])
    candidate = candidates.require_candidate(
        session, team_id=actor.team_id, candidate_id=candidate_id, field="candidate_id"
    )
    project_name = _project_name(session, actor=actor, candidate=candidate)
    values = token_values(candidate, actor, project_name)
    shown: list[StagePreview] = []
    first_subject: Rendered | None = None
    for position, stage in enumerate(stages, start=1):
        if stage.channel != Channel.email.value:
            instructions = render_text(stage.instructions, values)
            shown.append(StagePreview(position, stage.channel, instructions=instructions))
            continue
        subject = render_text(stage.subject, values) if stage.subject.strip() else None
        threaded = subject is None and first_subject is not None
        if subject is None and first_subject is not None:
            subject = _reply_subject(first_subject)
        first_subject = first_subject or subject
        body = render_text(stage.body, values)
        shown.append(
            StagePreview(position, stage.channel, subject=subject, body=body, threaded=threaded)
        )
    return Preview(candidate, project_name, shown)


def _reply_subject(first: Rendered) -> Rendered:
    if first.text is None:
        return first
    return Rendered("Re: " + first.text.removeprefix("Re: "))
