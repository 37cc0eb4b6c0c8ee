"""Streamed exports of a team's touchpoints and candidates (SPEC §7).

An export is checked when it is made (its format and days: a 422 before anything is sent) and
read only while its chunks are iterated: one Core statement per list, fetched `FETCH_ROWS` at a
time (a server-side cursor on PostgreSQL; SQLite's cursor steps through the table as it is
read), each row formatted and dropped, the text handed on in chunks of about `CHUNK_CHARS`. A
million touchpoints so never sit in memory at once, in the database driver or here.

The chunks read through a session of their own, opened by the first chunk and closed after the
last one, or when the iteration is abandoned (a client that disconnects): a streamed answer is
still being sent after the request's own session has ended. The whole export is one read
transaction, so it is one consistent snapshot of the team however long it takes to send.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Unpack

from sqlalchemy import Row, Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from reachout.db import Database
from reachout.errors import FieldError, Invalid
from reachout.kit import time as clock
from reachout.kit.csvfile import CsvWriter
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

# Rows fetched from the database at a time, and the size of the text handed on at a time.
FETCH_ROWS = 5_000
CHUNK_CHARS = 64 * 1024

# A statement of any columns.
Rows = Select[Unpack[tuple[Any, ...]]]
# Rows written so far, told as the export goes.
Progress = Callable[[int], None]


class TouchpointFormat(StrEnum):
    gem = "gem"  # Gem's event_log columns (transfer/gem.py)
    csv = "csv"
    jsonl = "jsonl"


class CandidateFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


MEDIA_TYPES = {
    "gem": "text/csv; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
}
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
    "created_at",
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
    name: str
    time_zone: str

    @classmethod
    def of(cls, team: Team) -> ExportTeam:
        return cls(id=team.id, name=team.name, time_zone=team.time_zone)


@dataclass(frozen=True)
class Export:
    """One export, checked: nothing is read until `chunks()` is iterated."""

    db: Database
    format: str
    filename: str
    # The rows' statement: what `count()` counts.
    statement: Rows
    # The records to write, read on the export's session: CSV cells, or a JSON object.
    records: Callable[[Session], Iterator[Any]]
    header: Sequence[str]

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    def count(self) -> int:
        """How many records the export has now (a read of its own: for a progress bar)."""
        counted = select(func.count()).select_from(self.statement.order_by(None).subquery())
        with self.db.unit_of_work(write=False) as session:
            return int(session.scalar(counted) or 0)

    def chunks(self, progress: Progress | None = None) -> Iterator[str]:
        """The export's text, a chunk at a time, on a read session held only meanwhile."""
        session = self.db.new_session(write=False)
        try:
            records = self.records(session)
            if progress is not None:
                records = _told(records, progress)
            if self.format == "jsonl":
                yield from _jsonl_chunks(records)
            else:
                yield from _csv_chunks(self.header, records)
        finally:
            session.close()


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
    statement = _touchpoint_rows(team.id, first, last)
    if export_format == "gem":
        cells: Callable[[Row[Any]], Any] = _gem_cells
        header: Sequence[str] = gem.COLUMNS
    else:
        cells = _touchpoint_object if export_format == "jsonl" else _touchpoint_cells
        header = TOUCHPOINT_COLUMNS
    return Export(
        db=db,
        format=export_format,
        filename=_filename(team, "touchpoints", export_format),
        statement=statement,
        records=lambda session: map(cells, _fetched(session, statement)),
        header=header,
    )


def _touchpoint_rows(team_id: int, first: date | None, last: date | None) -> Rows:
    """Every column any format writes, with the names and emails joined in: one statement."""
    tp = Touchpoint
    owner, behalf = aliased(User), aliased(User)
    primary = aliased(CandidateEmail)
    statement = (
        select(
            tp.id,
            tp.occurred_at,
            tp.local_day,
            tp.kind,
            tp.channel,
            tp.designation,
            tp.designation_mode,
            tp.reply_status,
            tp.note,
            tp.candidate_id,
            Candidate.name.label("candidate_name"),
            primary.email.label("candidate_email"),
            tp.project_id,
            Project.name.label("project_name"),
            tp.user_id,
            owner.name.label("user_name"),
            owner.email.label("user_email"),
            behalf.email.label("on_behalf_of_user_email"),
            tp.source,
            tp.batch_id,
            tp.created_at,
        )
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
    values = row._mapping
    record = {name: values[name] for name in TOUCHPOINT_COLUMNS}
    record["occurred_at"] = _instant(row.occurred_at)
    record["local_day"] = row.local_day.isoformat()
    record["created_at"] = _instant(row.created_at)
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
        email_lists = _ListsById(_fetched(session, emails))
        project_lists = _ListsById(_fetched(session, projects))
        for row in _fetched(session, people):
            yield as_record(row, email_lists.of(row.id), project_lists.of(row.id))

    return Export(
        db=db,
        format=export_format,
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
        "created_at": _instant(row.created_at),
        "updated_at": _instant(row.updated_at),
    }


def _candidate_cells(row: Row[Any], emails: list[str], projects: list[str]) -> list[Any]:
    record = _candidate_object(row, emails, projects)
    record["emails"] = LIST_SEPARATOR.join(emails)
    record["projects"] = LIST_SEPARATOR.join(projects)
    return list(record.values())


# --- reading and writing ---------------------------------------------------------------------


def _fetched(session: Session, statement: Rows) -> Iterator[Row[Any]]:
    """The statement's rows, fetched FETCH_ROWS at a time (yield_per: a server-side cursor on
    PostgreSQL, where psycopg would otherwise fetch the whole result at once)."""
    yield from session.execute(statement, execution_options={"yield_per": FETCH_ROWS})


def _instant(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with `Z`, as the API writes instants."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _told(records: Iterator[Any], progress: Progress) -> Iterator[Any]:
    done = 0
    for record in records:
        yield record
        done += 1
        if done % 1_000 == 0:
            progress(done)
    progress(done)


def _csv_chunks(header: Sequence[str], records: Iterable[Sequence[Any]]) -> Iterator[str]:
    """A header line then one line per record (SPEC §7's injection rule: kit/csvfile.py)."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(header)
    for cells in records:
        writer.writerow(cells)
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _jsonl_chunks(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON object per line, values as they are (no CSV quoting: SPEC §7)."""
    lines: list[str] = []
    size = 0
    for record in records:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        lines.append(line)
        size += len(line)
        if size >= CHUNK_CHARS:
            yield "".join(lines)
            lines, size = [], 0
    if lines:
        yield "".join(lines)
