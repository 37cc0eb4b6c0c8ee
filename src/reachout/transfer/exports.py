"""Exports of a team's touchpoints and candidates (SPEC §7): what each format holds.

An export is checked when it is made (its format and days: a 422 before anything is sent);
its rows are read as it is sent (transfer/export_stream.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, and_, select
from sqlalchemy.orm import Session, aliased

from reachout.db import Database
from reachout.errors import FieldError, Invalid
from reachout.kit import time as clock
from reachout.models import (
    Candidate,
    CandidateEmail,
    Project,
    ProjectCandidate,
    Team,
    Touchpoint,
    User,
)
from reachout.models.enums import Kind
from reachout.transfer import gem
from reachout.transfer.export_stream import Export, Rows, fetched, instant


class TouchpointFormat(StrEnum):
    gem = "gem"  # Gem's event_log columns (transfer/gem.py)
    csv = "csv"
    jsonl = "jsonl"


class CandidateFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


EXTENSIONS = {"gem": "csv", "csv": "csv", "jsonl": "jsonl"}

TOUCHPOINT_COLUMNS = (
    "id",
    "occurred_at",
    "local_day",
    "kind",
    "channel",
    "designation",
    "designation_mode",
    "reply_status",
    "note",
    "candidate_id",
    "candidate_name",
    "candidate_email",
    "project_id",
    "project_name",
    "user_id",
    "user_email",
    "on_behalf_of_user_email",
    "source",
    "batch_id",
    "sequence_id",
    "sequence_stage",
    "created_at",
)
# What Gem's columns are made of.
GEM_SOURCES = (
    "occurred_at",
    "user_name",
    "user_email",
    "candidate_id",
    "candidate_name",
    "candidate_email",
    "kind",
    "designation",
    "channel",
    "reply_status",
)
# Header names the candidate importer reads back (SPEC §7: name, emails, phone, linkedin url,
# ...); the others (id, projects, the times) it lists as ignored, so an export re-imports.
CANDIDATE_COLUMNS = (
    "id",
    "name",
    "emails",
    "phone",
    "linkedin_url",
    "title",
    "company",
    "location",
    "projects",
    "created_at",
    "updated_at",
)
# How a list is written in one CSV cell; the importer splits emails on `;` too.
LIST_SEPARATOR = "; "

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class ExportTeam:
    """The team an export reads: plain values, as the chunks outlive the request's session."""

    id: int
    time_zone: str

    @classmethod
    def of(cls, team: Team) -> ExportTeam:
        return cls(id=team.id, time_zone=team.time_zone)


def parse_day(field: str, text: str | None) -> date | None:
    """A day as the interfaces take it (YYYY-MM-DD; blank: none), or a 422 naming `field`."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        # Only YYYY-MM-DD: `date.fromisoformat` also reads 20261205 and 2026-W49-6.
        day = date.fromisoformat(text) if _ISO_DAY.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None:
        raise Invalid.on(field, "must be a date, YYYY-MM-DD")
    try:
        return clock.bounded_day(day)
    except ValueError as exc:
        raise Invalid.on(field, str(exc)) from None


def _choice(export_format: str, choices: Iterable[StrEnum]) -> str:
    names = [choice.value for choice in choices]
    if export_format not in names:
        raise Invalid.on("format", f"must be one of: {', '.join(names)}")
    return export_format


def _filename(team: ExportTeam, what: str, export_format: str) -> str:
    today = clock.local_day(clock.now(), team.time_zone).isoformat()
    kind = f"{what}-gem" if export_format == "gem" else what
    return f"reachout-{kind}-{today}.{EXTENSIONS[export_format]}"


# --- touchpoints -----------------------------------------------------------------------------


def touchpoints_export(
    db: Database,
    *,
    team: ExportTeam,
    format: str,
    from_: str | None = None,
    to: str | None = None,
) -> Export:
    """The team's live touchpoints (of live candidates) whose `occurred_at` falls on a day
    from `from_` to `to` (both included; in the team's time zone), oldest first."""
    export_format = _choice(format, TouchpointFormat)
    first, last = parse_day("from", from_), parse_day("to", to)
    if first is not None and last is not None and first > last:
        message = f"from {first} is after to {last}"
        raise Invalid(message, errors=[FieldError(message, field=f) for f in ("from", "to")])
    if export_format == "gem":
        cells: Callable[[Row[Any]], Any] = _gem_cells
        header: Sequence[str] = gem.COLUMNS
        columns: Sequence[str] = GEM_SOURCES
    else:
        cells = _touchpoint_object if export_format == "jsonl" else _touchpoint_cells
        header = columns = TOUCHPOINT_COLUMNS
    statement = _touchpoint_rows(team.id, first, last, columns=columns)
    return Export(
        db=db,
        jsonl=export_format == "jsonl",
        filename=_filename(team, "touchpoints", export_format),
        statement=statement,
        records=lambda session: map(cells, fetched(session, statement)),
        header=header,
    )


def _touchpoint_rows(
    team_id: int, first: date | None, last: date | None, *, columns: Sequence[str]
) -> Rows:
    """The `columns` a format writes, names and emails joined in: one statement. (A join
    none of them needs is dropped by either database: each is on a unique key.)"""
    tp = Touchpoint
    owner, behalf = aliased(User), aliased(User)
    primary = aliased(CandidateEmail)
    joined: dict[str, Any] = {
        "candidate_name": Candidate.name,
        "candidate_email": primary.email,
        "project_name": Project.name,
        "user_name": owner.name,
        "user_email": owner.email,
        "on_behalf_of_user_email": behalf.email,
    }
    selected = [(joined.get(name) or getattr(tp, name)).label(name) for name in columns]
    statement = (
        select(*selected)
        .select_from(tp)
        .join(Candidate, Candidate.id == tp.candidate_id)
        .outerjoin(owner, owner.id == tp.user_id)
        .outerjoin(behalf, behalf.id == tp.on_behalf_of_user_id)
        .outerjoin(primary, and_(primary.candidate_id == tp.candidate_id, primary.position == 0))
        .outerjoin(Project, Project.id == tp.project_id)
        .where(tp.team_id == team_id, tp.deleted_at.is_(None), Candidate.deleted_at.is_(None))
        .order_by(tp.occurred_at, tp.id)
    )
    # `local_day` is the rule. The bounds on `occurred_at` only let the (team_id, occurred_at)
    # index find the period: a local day lies within a day of the same UTC day, whatever the
    # time zone (offsets are -12 h to +14 h).
    if first is not None:
        start = datetime.combine(first, datetime.min.time(), UTC) - timedelta(days=1)
        statement = statement.where(tp.local_day >= first, tp.occurred_at >= start)
    if last is not None:
        end = datetime.combine(last, datetime.min.time(), UTC) + timedelta(days=2)
        statement = statement.where(tp.local_day <= last, tp.occurred_at < end)
    return statement


def _gem_cells(row: Row[Any]) -> list[Any]:
    first_name, last_name = gem.split_name(row.candidate_name)
    if row.kind == Kind.reply:
        event_type = gem.REPLY
        metadata = gem.METADATA[row.reply_status] if row.reply_status else ""
    else:
        event_type, metadata = gem.EVENT_TYPES[row.designation], ""
    return [
        (row.occurred_at - _EPOCH) // _SECOND,
        row.user_name,
        row.user_email,
        row.candidate_id,
        "",
        first_name,
        last_name,
        row.candidate_email,
        event_type,
        gem.SUBTYPES[row.channel],
        metadata,
    ]


def _touchpoint_object(row: Row[Any]) -> dict[str, Any]:
    record = dict(zip(TOUCHPOINT_COLUMNS, row, strict=True))
    record["occurred_at"] = instant(row.occurred_at)
    record["local_day"] = row.local_day.isoformat()
    record["created_at"] = instant(row.created_at)
    return record


def _touchpoint_cells(row: Row[Any]) -> list[Any]:
    return list(_touchpoint_object(row).values())


# --- candidates ------------------------------------------------------------------------------


def candidates_export(db: Database, *, team: ExportTeam, format: str) -> Export:
    """The team's live candidates, by id, with their emails (primary first) and projects."""
    export_format = _choice(format, CandidateFormat)
    live = and_(Candidate.team_id == team.id, Candidate.deleted_at.is_(None))
    people = (
        select(
            Candidate.id,
            Candidate.name,
            Candidate.phone,
            Candidate.linkedin_url,
            Candidate.title,
            Candidate.company,
            Candidate.location,
            Candidate.created_at,
            Candidate.updated_at,
        )
        .where(live)
        .order_by(Candidate.id)
    )
    emails = (
        select(CandidateEmail.candidate_id.label("id"), CandidateEmail.email.label("value"))
        .join(Candidate, Candidate.id == CandidateEmail.candidate_id)
        .where(live)
        .order_by(CandidateEmail.candidate_id, CandidateEmail.position)
    )
    projects = (
        select(ProjectCandidate.candidate_id.label("id"), Project.name.label("value"))
        .join(Project, Project.id == ProjectCandidate.project_id)
        .join(Candidate, Candidate.id == ProjectCandidate.candidate_id)
        .where(live, Project.team_id == team.id)
        .order_by(ProjectCandidate.candidate_id, Project.name)
    )
    as_record = _candidate_object if export_format == "jsonl" else _candidate_cells

    def records(session: Session) -> Iterator[Any]:
        # Three ordered reads, merged by candidate id as they go: no candidate's lists are
        # looked up on their own, and nothing is gathered.
        email_lists = _ListsById(fetched(session, emails))
        project_lists = _ListsById(fetched(session, projects))
        for row in fetched(session, people):
            yield as_record(row, email_lists.of(row.id), project_lists.of(row.id))

    return Export(
        db=db,
        jsonl=export_format == "jsonl",
        filename=_filename(team, "candidates", export_format),
        statement=people,
        records=records,
        header=CANDIDATE_COLUMNS,
    )


class _ListsById:
    """The `value`s of rows sorted by `id`, taken id by id in ascending order."""

    def __init__(self, rows: Iterable[Row[Any]]) -> None:
        self._rows = iter(rows)
        self._next = next(self._rows, None)

    def of(self, key: int) -> list[str]:
        values = []
        while self._next is not None and self._next.id <= key:
            if self._next.id == key:
                values.append(self._next.value)
            self._next = next(self._rows, None)
        return values


def _candidate_object(row: Row[Any], emails: list[str], projects: list[str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "emails": emails,
        "phone": row.phone,
        "linkedin_url": row.linkedin_url,
        "title": row.title,
        "company": row.company,
        "location": row.location,
        "projects": projects,
        "created_at": instant(row.created_at),
        "updated_at": instant(row.updated_at),
    }


def _candidate_cells(row: Row[Any], emails: list[str], projects: list[str]) -> list[Any]:
    record = _candidate_object(row, emails, projects)
    record["emails"] = LIST_SEPARATOR.join(emails)
    record["projects"] = LIST_SEPARATOR.join(projects)
    return list(record.values())
