from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

from reachout.kit.types import no_nul
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
    name: Annotated[str, Field(max_length=200), AfterValidator(no_nul)] | None = None
    role: Role = Role.member
    password: str | None = Field(
        default=None, min_length=8, max_length=200, description="Generated when left out"
    )


class UserCreated(UserRead):
    password: str | None = Field(description="The generated password, shown once")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=200)
    new_password: str = Field(min_length=8, max_length=200)


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Annotated[str, Field(max_length=200), AfterValidator(no_nul)] = ""


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
