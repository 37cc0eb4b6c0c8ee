from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from reachout.models.enums import Role


class TeamBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    time_zone: str


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: Role


class MeRead(UserRead):
    team: TeamBrief


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    name: str | None = Field(default=None, max_length=200)
    role: Role = Role.member
    password: str | None = Field(
        default=None, min_length=8, max_length=200, description="Generated when left out"
    )


class UserCreated(UserRead):
    password: str | None = Field(description="The generated password, shown once")


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="", max_length=200)


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="The secret, shown once")
