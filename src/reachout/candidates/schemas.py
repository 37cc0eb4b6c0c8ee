from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from reachout.candidates.linkedin import profile_url
from reachout.kit.types import Blank, DbId, Name, QueryDay, QueryId, no_nul
from reachout.models import Candidate

EMAILS_MAX = 20


def _text(max_length: int, *, min_length: int = 0) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Text200 = Annotated[str, _text(200), AfterValidator(no_nul)]
CandidateId = DbId


def _linkedin_profile(value: str) -> str:
    """A profile URL in its one spelling; blank stays blank (null, below)."""
    return profile_url(value) if value else value


class _CandidateFields(BaseModel):
    """The optional fields of a candidate; blank text is stored as null."""

    model_config = ConfigDict(extra="forbid")

    phone: Annotated[str, _text(64), AfterValidator(no_nul)] | None = None
    linkedin_url: (
        Annotated[str, _text(500), AfterValidator(no_nul), AfterValidator(_linkedin_profile)] | None
    ) = Field(
        default=None,
        description=(
            "A LinkedIn profile URL (https://www.linkedin.com/in/...), stored in that one "
            "spelling; unique in your team, whatever spelling was sent (case, host, query, /)"
        ),
    )
    title: Text200 | None = None
    company: Text200 | None = None
    location: Text200 | None = None

    @field_validator("phone", "linkedin_url", "title", "company", "location")
    @classmethod
    def _blank_is_null(cls, value: str | None) -> str | None:
        return value or None


class CandidateCreate(_CandidateFields):
    name: Name
    emails: list[EmailStr] = Field(
        default=[],
        max_length=EMAILS_MAX,
        description="The first is the primary; each is unique in your team (case-insensitive)",
    )


class CandidateUpdate(_CandidateFields):
    """Any of these fields; `emails` replaces the whole list."""

    name: Name | None = None
    emails: list[EmailStr] | None = Field(default=None, max_length=EMAILS_MAX)

    @field_validator("name")
    @classmethod
    def _name_stays(cls, value: str | None) -> str:
        # Only runs for a name that was sent: leaving it out keeps it, null cannot clear it.
        if value is None:
            raise ValueError("a candidate needs a name")
        return value


class CandidateRead(BaseModel):
    id: int
    name: str
    emails: list[str]
    primary_email: str | None
    phone: str | None
    linkedin_url: str | None
    title: str | None
    company: str | None
    location: str | None
    project_ids: list[int]
    bounced_emails: list[str] = Field(
        description="Addresses whose mail bounced: sequences no longer send to them"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, candidate: Candidate, *, project_ids: list[int]) -> CandidateRead:
        emails = [e.email for e in candidate.emails]
        return cls(
            id=candidate.id,
            name=candidate.name,
            emails=emails,
            primary_email=emails[0] if emails else None,
            phone=candidate.phone,
            linkedin_url=candidate.linkedin_url,
            title=candidate.title,
            company=candidate.company,
            location=candidate.location,
            project_ids=project_ids,
            bounced_emails=[e.email for e in candidate.emails if e.bounced_at is not None],
            created_at=candidate.created_at,
            updated_at=candidate.updated_at,
        )


# A project holds any number of candidates; one request adds or removes at most this many.
MEMBERSHIP_MAX = 50_000


class CandidateIds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidate_ids: list[CandidateId] = Field(
        min_length=1,
        max_length=MEMBERSHIP_MAX,
        description="Candidates of your team; a repeated id counts once",
    )


class Contacted(StrEnum):
    yes = "yes"
    no = "no"


class ReplyFilter(StrEnum):
    """The candidate's latest reply: none at all, any, or one with this status."""

    none = "none"
    any = "any"
    interested = "interested"
    not_interested = "not_interested"
    later = "later"


class CandidateSort(StrEnum):
    """A list's order; `-` first is newest (or Z) first. Whoever has no value to sort by (never
    contacted, never replied) comes last either way; ties go by id."""

    added_asc = "added"
    added_desc = "-added"
    name_asc = "name"
    name_desc = "-name"
    last_contacted_asc = "last_contacted"
    last_contacted_desc = "-last_contacted"
    latest_reply_asc = "latest_reply"
    latest_reply_desc = "-latest_reply"

    @property
    def key(self) -> str:
        """What it sorts by: added, name, last_contacted or latest_reply."""
        return self.value.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


# Filters as a query string or a GET form sends them: blank is "no filter".
QueryText = Annotated[str | None, Blank]
ContactedParam = Annotated[Contacted | None, Blank]
ReplyParam = Annotated[ReplyFilter | None, Blank]
IdParam = Annotated[QueryId | None, Blank]
DayParam = Annotated[QueryDay | None, Blank]


class CandidateSearch(BaseModel):
    """Which candidates a list shows, each filter optional: the API's query, the candidates
    page's address, and what its select-all chooses. "Last contacted" is the candidate's latest
    live outreach, its owner the team member credited with it; days are in the team's time
    zone, both included. Checks that need the team (a project, a member) are the service's."""

    model_config = ConfigDict(frozen=True)

    q: QueryText = None
    project_id: IdParam = None
    # Lookups by the values a candidate is unique by: blank is no address, a 422.
    email: str | None = None
    linkedin_url: str | None = None
    contacted: ContactedParam = None
    reply: ReplyParam = None
    owner_id: IdParam = None
    contacted_from: DayParam = None
    contacted_to: DayParam = None

    @property
    def on_last_contact(self) -> bool:
        """Whether a filter looks at the candidates' last contact (computed for each)."""
        contact = (
            self.contacted,
            self.reply,
            self.owner_id,
            self.contacted_from,
            self.contacted_to,
        )
        return any(value is not None for value in contact)


MAX_PAGE = 10_000


class CandidateListQuery(CandidateSearch):
    """The candidates page's address: the search, the order and the page number."""

    sort: CandidateSort = CandidateSort.added_asc
    # Offset pages, capped: a page's cost grows with its number (and the sorted orders sort
    # every candidate the search finds anyway).
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1

    def search(self) -> CandidateSearch:
        return CandidateSearch.model_validate(self.model_dump(include=set(SEARCH_FIELDS)))


SEARCH_FIELDS = tuple(CandidateSearch.model_fields)


class ChosenCandidates(BaseModel):
    """What a list page's Add to project or Remove sends: the ticked rows, or `all` (select-all)
    with the search the list shows (`search`: its address's query string)."""

    model_config = ConfigDict(extra="forbid")

    project_id: QueryId | None = None
    candidate_ids: list[QueryId] = Field(default=[], max_length=MEMBERSHIP_MAX)
    all: bool = False
    search: Annotated[str, _text(4000), AfterValidator(no_nul)] = ""
