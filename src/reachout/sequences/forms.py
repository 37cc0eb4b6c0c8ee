"""The sequence pages' forms as posted, turned into the services' schemas.

The editor posts its stages as parallel lists (`channel`, `delay_days`, `subject`, ...; one item
per stage, in order) and each stage's "business days" box by the stage's index, since an
unticked box sends nothing. Its errors are the service's, named `stages.<index>.<field>`.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Form

from reachout.errors import Invalid
from reachout.models import Sequence
from reachout.models.enums import Channel
from reachout.sequences.preview import StageDraft
from reachout.sequences.schemas import (
    MAX_STAGES,
    EnrollmentCreate,
    SequenceCreate,
    TaskComplete,
)
from reachout.web.forms import local_datetime, validate

_DAYS = re.compile(r"\d{1,4}")
_INDEX = re.compile(r"(remove|up|down):(\d{1,2})")


def _at(values: list[str], index: int) -> str:
    return values[index] if index < len(values) else ""


def _text(value: str) -> str | None:
    """A template as typed; a blank one is none."""
    return value if value.strip() else None


def _instant(value: str, time_zone: str, field: str) -> Any:
    try:
        return local_datetime(value, time_zone)
    except Invalid:
        raise Invalid.on(field, "is not a date and time") from None


def new_stage(position: int) -> dict[str, Any]:
    """A stage as the editor adds it: an email, a few business days after the one before."""
    later = position > 1
    return {
        "channel": Channel.email.value,
        "delay_days": "3" if later else "0",
        "business_days": later,
        "subject": "",
        "body": "",
        "instructions": "",
    }


def stages_of(sequence: Sequence) -> list[dict[str, Any]]:
    """A saved sequence's stages, as the editor shows them."""
    return [
        {
            "channel": s.channel,
            "delay_days": str(s.delay_days),
            "business_days": s.business_days,
            "subject": s.subject or "",
            "body": s.body or "",
            "instructions": s.instructions or "",
        }
        for s in sequence.stages
    ]


class EditorForm:
    """The sequence editor, as posted: the name, the stages, and an edit of the list asked for
    (`edit`: "add", "remove:<i>", "up:<i>", "down:<i>"), or none (save)."""

    def __init__(
        self,
        name: str = Form(""),
        channel: list[str] = Form([]),
        delay_days: list[str] = Form([]),
        business_days: list[str] = Form([]),
        subject: list[str] = Form([]),
        body: list[str] = Form([]),
        instructions: list[str] = Form([]),
        edit: str = Form(""),
        candidate_id: str = Form(""),
    ) -> None:
        self.name, self.edit, self.candidate_id = name, edit, candidate_id
        ticked = set(business_days)
        self.stages: list[dict[str, Any]] = [
            {
                "channel": kind,
                "delay_days": _at(delay_days, i).strip(),
                "business_days": str(i) in ticked,
                "subject": _at(subject, i),
                "body": _at(body, i),
                "instructions": _at(instructions, i),
            }
            for i, kind in enumerate(channel)
        ]

    def apply_edit(self) -> bool:
        """Add, remove or move a stage as asked; False when no edit was asked (a save)."""
        if self.edit == "add":
            if len(self.stages) < MAX_STAGES:
                self.stages.append(new_stage(len(self.stages) + 1))
            return True
        found = _INDEX.fullmatch(self.edit)
        if found is None:
            return False
        what, index = found[1], int(found[2])
        stages = self.stages
        if index >= len(stages):
            return True
        if what == "remove" and len(stages) > 1:
            stages.pop(index)
        elif what == "up" and index > 0:
            stages[index - 1], stages[index] = stages[index], stages[index - 1]
        elif what == "down" and index + 1 < len(stages):
            stages[index], stages[index + 1] = stages[index + 1], stages[index]
        return True

    def drafts(self) -> list[StageDraft]:
        return [
            StageDraft(s["channel"], s["subject"], s["body"], s["instructions"])
            for s in self.stages
        ]

    def preview_candidate(self) -> int | None:
        value = self.candidate_id.strip()
        return int(value) if value.isdigit() and len(value) < 10 else None

    def sequence(self) -> SequenceCreate:
        """What the service takes: an email stage's subject and body, a manual stage's
        instructions (the fields the editor hides for the other kind are left out)."""
        stages = []
        for s in self.stages:
            days = s["delay_days"] or "0"
            stage: dict[str, Any] = {
                "channel": s["channel"],
                # Not a number: left as typed, for the schema to name the field.
                "delay_days": int(days) if _DAYS.fullmatch(days) else days,
                "business_days": s["business_days"],
            }
            if s["channel"] == Channel.email.value:
                stage.update(subject=_text(s["subject"]), body=_text(s["body"]))
            else:
                stage["instructions"] = _text(s["instructions"])
            stages.append(stage)
        return validate(SequenceCreate, {"name": self.name, "stages": stages})


class EnrollForm:
    """Add to sequence, from a project's page: the sequence, the sender, when to start (blank:
    now), and the selection (the ticked rows, or `all`: every candidate of the project)."""

    def __init__(
        self,
        sequence_id: str = Form(""),
        sender_user_id: str = Form(""),
        start_at: str = Form(""),
        candidate_ids: list[str] = Form([]),
        everyone: str = Form("false", alias="all"),
    ) -> None:
        self.sequence_id, self.sender_user_id = sequence_id.strip(), sender_user_id.strip()
        self.start_at = start_at
        self.candidate_ids, self.everyone = candidate_ids, everyone == "true"

    def chosen_sequence(self) -> int:
        if not self.sequence_id:
            raise Invalid.on("sequence_id", "choose a sequence")
        if not self.sequence_id.isdigit() or len(self.sequence_id) > 9:
            raise Invalid.on("sequence_id", "no such sequence")
        return int(self.sequence_id)

    def enrollment(self, *, project_id: int, time_zone: str) -> EnrollmentCreate:
        data: dict[str, Any] = {"project_id": project_id}
        if self.everyone:
            data["all"] = True
        else:
            data["candidate_ids"] = [_id(v, "candidate_ids") for v in self.candidate_ids]
        if self.sender_user_id:
            data["sender_user_id"] = _id(self.sender_user_id, "sender_user_id")
        if self.start_at.strip():
            data["start_at"] = _instant(self.start_at, time_zone, "start_at")
        return validate(EnrollmentCreate, data)


def _id(value: str, field: str) -> int:
    value = value.strip()
    if not value.isdigit() or len(value) > 9:
        raise Invalid.on(field, f"{value[:20]!r} is not an id")
    return int(value)


class CompleteForm:
    """A task's Log Activity, as posted: the note and when it was done (the time the form
    showed, left as it was, means now)."""

    def __init__(
        self,
        note: str = Form(""),
        occurred_at: str = Form(""),
        occurred_at_shown: str = Form(""),
    ) -> None:
        self.note, self.occurred_at, self.occurred_at_shown = note, occurred_at, occurred_at_shown

    def read(self, time_zone: str) -> TaskComplete:
        data: dict[str, Any] = {"note": self.note or None}
        if self.occurred_at.strip() and self.occurred_at != self.occurred_at_shown:
            data["occurred_at"] = _instant(self.occurred_at, time_zone, "occurred_at")
        return validate(TaskComplete, data)

    def values(self) -> dict[str, str]:
        return dict(vars(self))
