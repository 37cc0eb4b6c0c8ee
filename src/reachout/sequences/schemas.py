"""What the sequences API takes and answers (SPEC §9)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from reachout.kit.types import DbId, Instant, StrictInt, no_nul
from reachout.models.enums import Channel
from reachout.touchpoints.schemas import Note

MAX_STAGES = 10
MAX_DELAY_DAYS = 365

Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(no_nul),
]
Subject = Annotated[str, StringConstraints(max_length=500), AfterValidator(no_nul)]
Text = Annotated[str, StringConstraints(max_length=20_000), AfterValidator(no_nul)]


class EnrollmentStatus(StrEnum):
    active = "active"
    paused = "paused"
    finished = "finished"
    replied = "replied"
    bounced = "bounced"
    stopped = "stopped"
    failed = "failed"


class SkipReason(StrEnum):
    no_email = "no_email"
    already_active = "already_active"
    email_bounced = "email_bounced"


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel
    delay_days: StrictInt = Field(default=0, ge=0, le=MAX_DELAY_DAYS)
    business_days: StrictBool = False
    subject: Subject | None = Field(
        default=None,
        description="Email stages; the first email stage needs one, a later one without it "
        "replies in the same thread",
    )
    body: Text | None = Field(default=None, description="Email stages: plain text")
    instructions: Text | None = Field(default=None, description="Manual stages")


class StageRead(StageIn):
    model_config = ConfigDict(from_attributes=True)

    position: int


class SequenceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    owner_user_id: DbId | None = Field(default=None, description="Default: you")
    stages: list[StageIn] = Field(min_length=1, max_length=MAX_STAGES)


class SequenceUpdate(BaseModel):
    """Any of these; `stages` replaces the list (progress is kept by position)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    owner_user_id: DbId | None = None
    stages: list[StageIn] | None = Field(default=None, min_length=1, max_length=MAX_STAGES)

    @field_validator("name", "owner_user_id", "stages")
    @classmethod
    def _not_cleared(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be empty")
        return value


class SequenceFigures(BaseModel):
    enrolled: int
    active: int
    sent: int
    replied: int
    interested: int


class SequenceRead(BaseModel):
    id: int
    name: str
    owner_user_id: int
    created_at: datetime
    stages: list[StageRead]
    figures: SequenceFigures


class EnrollmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidate_ids: list[DbId] | None = Field(default=None, description="Or project_id + all")
    project_id: DbId | None = None
    all: StrictBool = Field(default=False, validate_default=True)
    sender_user_id: DbId | None = Field(default=None, description="Default: you")
    start_at: Instant | None = Field(default=None, description="ISO 8601; default now")

    @field_validator("all")
    @classmethod
    def _who(cls, value: bool, info: ValidationInfo) -> bool:
        ids = info.data.get("candidate_ids")
        if value and ids:
            raise ValueError("give candidate_ids or all: true, not both")
        if value and info.data.get("project_id") is None:
            raise ValueError("all: true needs a project_id")
        if not value and not ids:
            raise ValueError("name at least one candidate in candidate_ids, or send all: true")
        return value


class Skipped(BaseModel):
    candidate_id: int
    reason: SkipReason


class EnrollResult(BaseModel):
    enrolled: int
    enrollment_ids: list[int]
    skipped: list[Skipped]


class EnrollmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sequence_id: int
    candidate_id: int
    user_id: int
    sender_user_id: int
    project_id: int | None
    status: EnrollmentStatus
    status_reason: str | None
    held_reason: str | None = Field(description="Why the next stage is waiting, if it is held")
    started_at: datetime
    next_stage: int | None
    next_due_at: datetime | None
    auto_replies: int
    last_auto_reply_at: datetime | None


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enrollment_id: int
    sequence_id: int
    stage: int
    candidate_id: int
    channel: Channel
    instructions: str | None
    due_at: datetime
    user_id: int


class TaskComplete(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note | None = None
    occurred_at: Instant | None = Field(default=None, description="Default now")
