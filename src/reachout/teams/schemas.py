from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from reachout.kit.time import is_time_zone


class TeamRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    time_zone: str
    reengage_after_days: int | None


class TeamUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    time_zone: str | None = Field(default=None, description="IANA time zone, e.g. Europe/Paris")
    reengage_after_days: int | None = Field(
        default=None,
        ge=1,
        le=3650,
        description="Auto treats an outreach after more than N silent days as initial; null: off",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and not is_time_zone(value):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Paris)")
        return value
