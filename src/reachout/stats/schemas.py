"""What Outreach Stats are asked for and what they answer (SPEC §3).

`StatsQuery` is both the API's query parameters and the service's input, so the API, the CLI
and the web page read one set of names. Checks that need the team (its time zone, its projects
and users) or more than one field are the service's, so each can name its field.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from reachout.kit.time import bounded_day
from reachout.kit.types import QueryId
from reachout.models.enums import Channel

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class StatsView(StrEnum):
    cohort = "cohort"
    activity = "activity"


class GroupBy(StrEnum):
    channel = "channel"
    user = "user"
    project = "project"
    day = "day"
    week = "week"
    stage = "stage"  # cohort view only
    sequence = "sequence"
    sequence_stage = "sequence_stage"


class Comparison(StrEnum):
    previous = "previous"  # the period of the same length that ends the day before


def _blank_is_none(value: Any) -> Any:
    # A form or a hand-written URL sends `?project_id=&group_by=` for "no filter, no grouping".
    return None if value == "" else value


def _iso_day(value: Any) -> Any:
    # Only YYYY-MM-DD: pydantic alone would also read a number as a Unix time.
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise ValueError("must be a date, YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day), AfterValidator(bounded_day)]


Blank = BeforeValidator(_blank_is_none)


class StatsQuery(BaseModel):
    """A period (both days included, in the team's time zone), filters and a grouping."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    view: StatsView = Field(
        default=StatsView.cohort,
        description="cohort: what became of the outreach started in the period; "
        "activity: what the team did in it",
    )
    from_: Annotated[Day | None, Blank] = Field(
        default=None,
        alias="from",
        description="First day, YYYY-MM-DD; default: 29 days before `to`",
    )
    to: Annotated[Day | None, Blank] = Field(
        default=None, description="Last day, YYYY-MM-DD; default: today in the team's time zone"
    )
    project_id: Annotated[QueryId | None, Blank] = None
    user_id: Annotated[QueryId | None, Blank] = Field(
        default=None, description="Credited team member; your own id for “my stats”"
    )
    channel: Annotated[Channel | None, Blank] = None
    sequence_id: Annotated[QueryId | None, Blank] = Field(
        default=None, description="Only what this sequence made (SPEC §9)"
    )
    group_by: Annotated[GroupBy | None, Blank] = Field(
        default=None, description="stage is for the cohort view only"
    )
    compare: Annotated[Comparison | None, Blank] = Field(
        default=None,
        description="previous: also the totals of the period of the same length just before, "
        "with the same filters (`previous` in the answer)",
    )


class CohortMetrics(BaseModel):
    contacted: int = Field(description="Threads started in the period")
    candidates: int = Field(description="Distinct candidates among them")
    follow_ups: int = Field(description="Follow-ups in those threads, whenever they happened")
    replied: int = Field(description="Threads with at least one reply")
    interested: int = Field(description="Threads whose latest reply is interested")
    not_interested: int
    later: int
    reply_rate: float | None = Field(description="replied / contacted; null when none")
    interested_rate: float | None = Field(description="interested / contacted")
    median_hours_to_reply: float | None = Field(
        description="From the initial to the thread's first reply; null when none replied"
    )


class StageMetrics(BaseModel):
    """Stage k of the cohort: threads that got at least k outreach before any reply, and those
    whose first reply came after exactly k."""

    reached: int
    replied: int
    reply_rate: float | None = Field(description="replied / reached")


class ActivityMetrics(BaseModel):
    outreach: int
    initial: int
    follow_up: int
    replies: int
    interested: int
    not_interested: int
    later: int


GroupKey = int | str | None


class _Group(BaseModel):
    key: GroupKey = Field(
        description="channel; user id; project id (null: none); YYYY-MM-DD of the day or of "
        "the week's Monday; stage number; sequence id (null: none); "
        '"<sequence id>:<stage>" (null: no sequence)'
    )
    label: str


# The key and label come first in the JSON: bases' fields come in reverse MRO order.
class CohortGroup(CohortMetrics, _Group):
    pass


class StageGroup(StageMetrics, _Group):
    pass


class ActivityGroup(ActivityMetrics, _Group):
    pass


class PreviousPeriod(BaseModel):
    """The totals of the period of the same length that ends the day before `from`."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    from_: date = Field(alias="from")
    to: date
    totals: CohortMetrics | ActivityMetrics


class OutreachStats(BaseModel):
    """The totals of the period and, with a `group_by`, one entry per non-empty group.

    Groups carry the totals' metrics, except `stage` groups: those carry `reached`, `replied`
    and `reply_rate` (touch 1's `reached` is the totals' `contacted`). Groups are in key order
    (sequence stages by sequence id, then stage), the null group (no project, no sequence) last.
    """

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    view: StatsView
    from_: date = Field(alias="from")
    to: date
    time_zone: str
    group_by: GroupBy | None
    totals: CohortMetrics | ActivityMetrics
    groups: list[CohortGroup | StageGroup | ActivityGroup]
    previous: PreviousPeriod | None = Field(
        default=None, description="With compare=previous: the period before, for comparison"
    )
