from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
)

from reachout.kit.types import DbId, Instant, no_nul
from reachout.models.enums import (
    Channel,
    Designation,
    DesignationChoice,
    DesignationMode,
    Kind,
    ReplyStatus,
    Source,
)

NOTE_MAX = 10_000

Note = Annotated[
    str,
    Field(max_length=NOTE_MAX, description="Plain text, up to 10,000 characters"),
    AfterValidator(no_nul),
]


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind = Kind.outreach
    channel: Channel
    designation: DesignationChoice | None = Field(
        default=None, description="Outreach only: initial, follow_up, or auto (the default)"
    )
    reply_status: ReplyStatus | None = Field(default=None, description="Reply only")
    note: Note | None = None
    occurred_at: Instant | None = Field(
        default=None, description="ISO 8601; without an offset it is UTC; default now"
    )

    @field_validator("designation")
    @classmethod
    def _no_designation_on_reply(
        cls, value: DesignationChoice | None, info: ValidationInfo
    ) -> DesignationChoice | None:
        if value is not None and info.data.get("kind") == Kind.reply:
            raise ValueError("a reply has no designation")
        return value

    @field_validator("reply_status")
    @classmethod
    def _no_status_on_outreach(
        cls, value: ReplyStatus | None, info: ValidationInfo
    ) -> ReplyStatus | None:
        if value is not None and info.data.get("kind", Kind.outreach) == Kind.outreach:
            raise ValueError("only a reply has a reply status")
        return value


class TouchpointCreate(_Fields):
    candidate_id: DbId
    project_id: DbId | None = None
    user_id: DbId | None = Field(default=None, description="Credited team member; default you")
    on_behalf_of_user_id: DbId | None = None


class TouchpointUpdate(BaseModel):
    """Any of these fields; the kind and the candidate of a touchpoint never change."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel | None = None
    designation: DesignationChoice | None = None
    reply_status: ReplyStatus | None = None
    note: Note | None = None
    occurred_at: Instant | None = None
    project_id: DbId | None = None
    user_id: DbId | None = None
    on_behalf_of_user_id: DbId | None = None


class TouchpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    candidate_id: int
    kind: Kind
    channel: Channel
    designation: Designation | None
    designation_mode: DesignationMode | None
    reply_status: ReplyStatus | None
    reply_status_suggested: bool = Field(
        description="A reply read from a mailbox: its status is suggested until a user sets it"
    )
    note: str | None
    occurred_at: datetime
    project_id: int | None
    user_id: int
    on_behalf_of_user_id: int | None
    created_by_id: int
    created_at: datetime
    updated_at: datetime | None
    batch_id: int | None
    source: Source
    sequence_id: int | None = Field(description="The sequence that made it (SPEC §9), or null")
    sequence_stage: int | None = Field(description="Its stage in the sequence, from 1")


class BulkCreate(_Fields):
    """One set of fields for many candidates of a project."""

    candidate_ids: list[DbId] | None = Field(
        default=None, description="Candidates of the project; or use all: true"
    )
    all: StrictBool = Field(
        default=False, validate_default=True, description="Every candidate of the project"
    )
    user_id: DbId | None = None
    on_behalf_of_user_id: DbId | None = None

    @field_validator("all")
    @classmethod
    def _who(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("candidate_ids"):
            raise ValueError("give candidate_ids or all: true, not both")
        if not value and not info.data.get("candidate_ids"):
            raise ValueError("name at least one candidate in candidate_ids, or send all: true")
        return value


class BulkResult(BaseModel):
    batch_id: int
    created: int
    initial: int
    follow_up: int


class BatchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    project_id: int
    created: int
    initial: int
    follow_up: int
    created_by_id: int
    created_at: datetime
    undone_at: datetime | None


class FollowUpReason(StrEnum):
    no_reply = "no_reply"
    later = "later"


# Follow-ups due (touchpoints.followups): an outreach with no reply since becomes due after
# this many days; a reply marked "Follow up later" after this many.
FOLLOW_UP_DAYS = 3
LATER_DAYS = 14
FOLLOW_UP_DAYS_MAX = 3650
FollowUpDays = Annotated[int, Field(ge=0, le=FOLLOW_UP_DAYS_MAX)]


class FollowUpRead(BaseModel):
    """A candidate to contact again: your outreach got no reply, or their "later" has come."""

    candidate_id: int
    name: str
    primary_email: str | None
    reason: FollowUpReason = Field(
        description="no_reply: your latest outreach, no reply since; later: their latest reply "
        "is “Follow up later”, no outreach since"
    )
    last_outreach_at: datetime | None = Field(description="Null for an inbound reply")
    last_outreach_channel: Channel | None
    replied_at: datetime | None = Field(description="When they said “later” (reason later)")
    due_since: date = Field(description="The day it became due, in your team's time zone")


class FollowUpQuery(BaseModel):
    """What the Follow-ups page is asked for (the API takes the same two parameters)."""

    days: FollowUpDays = FOLLOW_UP_DAYS
    later_days: FollowUpDays = LATER_DAYS
