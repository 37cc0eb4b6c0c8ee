from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from reachout.kit.time import is_time_zone
from reachout.kit.types import StrictInt, no_nul


class TeamRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    time_zone: str
    reengage_after_days: int | None


TeamName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(no_nul),
]


class TeamUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: TeamName | None = None
    time_zone: str | None = Field(default=None, description="IANA time zone, e.g. Europe/Paris")
    reengage_after_days: StrictInt | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Auto treats an outreach after more than N silent days as initial; null: off",
    )

    @field_validator("name", "time_zone")
    @classmethod
    def _not_cleared(cls, value: str | None) -> str:
        # Only runs for a field that was sent: leaving it out keeps it, null cannot clear it
        # (the column is NOT NULL: a null must be a 422 here, not a failed write, a 409).
        if value is None:
            raise ValueError("cannot be empty")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not is_time_zone(value):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Paris)")
        return value
