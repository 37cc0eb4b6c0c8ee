from __future__ import annotations

from pydantic import BaseModel, Field


class LineErrors(BaseModel):
    line: int = Field(description="The line as a spreadsheet shows it: the header is line 1")
    errors: list[str] = Field(description="What is wrong, each naming the column at fault")


class SkippedLine(BaseModel):
    line: int
    reason: str


class CandidateImportResult(BaseModel):
    """What an import did, or a dry run would do: `created + matched + len(invalid) == rows`."""

    rows: int = Field(description="Non-blank records after the header")
    created: int
    matched: int = Field(
        description="Rows that matched a candidate of the team or an earlier row of the file"
    )
    added_to_project: int = Field(description="Distinct candidates newly added to the project")
    invalid: list[LineErrors]
    mapping: dict[str, str | None] = Field(
        description="Each column of the file and the field it was read as (null: ignored)"
    )
    dry_run: bool = False


class TouchpointImportResult(BaseModel):
    """What a history import did, or a dry run would do."""

    rows: int
    created: int
    duplicates: int = Field(description="Rows the team has already (not written again)")
    skipped: list[SkippedLine] = Field(description="Rows of another event type, such as Meeting")
    invalid: list[LineErrors]
    candidates_created: int = 0
    dry_run: bool = False
