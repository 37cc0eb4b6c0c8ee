from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from reachout.kit.types import Name, no_nul
from reachout.models import Project

Description = Annotated[str, Field(max_length=10_000), AfterValidator(no_nul)]


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="Unique in your team")
    description: Description | None = None


class ProjectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None

    @field_validator("name")
    @classmethod
    def _name_stays(cls, value: str | None) -> str:
        # Only runs for a name that was sent: leaving it out keeps it, null cannot clear it.
        if value is None:
            raise ValueError("a project needs a name")
        return value


class ProjectRead(BaseModel):
    id: int
    name: str
    description: str | None
    candidate_count: int = Field(description="Live candidates in the project")
    created_by_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, project: Project, *, candidate_count: int) -> ProjectRead:
        return cls(
            id=project.id,
            name=project.name,
            description=project.description,
            candidate_count=candidate_count,
            created_by_id=project.created_by_id,
            created_at=project.created_at,
        )


class CandidatesAdded(BaseModel):
    added: int = Field(description="Candidates that were not in the project before")
    candidate_count: int


class CandidatesRemoved(BaseModel):
    removed: int = Field(description="Candidates that were in the project")
    candidate_count: int
