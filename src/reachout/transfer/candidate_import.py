"""Candidate import from CSV (SPEC §7): read, match, merge, then write all or nothing.

Every row is read and checked first; then each valid row, in file order, is matched by its
normalized emails and LinkedIn profile to a candidate of the team or to an earlier row of the
file. A match fills the candidate's empty fields and adds its new emails, never overwriting;
a row whose keys lead to two different candidates is invalid. Nothing is written until every
row is decided, and then in a few set-based statements (new candidates with ids reserved up
front), so a hundred thousand rows are one transaction of a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout import audit
from reachout.candidates import many
from reachout.candidates.schemas import EMAILS_MAX
from reachout.errors import Conflict, Invalid
from reachout.kit.csvread import CsvFile, CsvFileError, Record
from reachout.kit.sql import id_list, text_list
from reachout.models import Candidate, CandidateEmail, Project, User
from reachout.projects import service as projects
from reachout.transfer.candidate_rows import CandidateRow, map_columns, read_row
from reachout.transfer.schemas import CandidateImportResult, LineErrors

Progress = Callable[[int, int], None]
# Keys looked up in the database per statement.
LOOKUP_CHUNK = 20_000
FILLABLE = many.FILLABLE


@dataclass(slots=True)
class _Person:
    """A candidate the import ends with: one of the team's (`id`) or a new one."""

    name: str
    id: int | None = None
    line: int | None = None  # the line that created it, for a new one
    emails: dict[str, str] = field(default_factory=dict)
    email_count: int = 0  # addresses it had before the import
    fields: dict[str, str | None] = field(default_factory=dict)
    linkedin_key: str | None = None
    # Of a candidate the team has (a new one's are all new): what the import sets.
    changed: list[str] = field(default_factory=list)
    new_emails: list[tuple[str, str]] = field(default_factory=list)

    def describe(self) -> str:
        if self.id is not None:
            return f"candidate {self.id}"
        return f"the candidate of line {self.line}"


def read_file(data: bytes) -> CsvFile:
    try:
        return CsvFile.from_bytes(data)
    except CsvFileError as exc:
        raise Invalid.on("file", str(exc)) from None


def records(csv_file: CsvFile) -> Iterator[Record]:
    """The file's records; a record that makes it unreadable is a 422 on the file."""
    try:
        yield from csv_file.records()
    except CsvFileError as exc:
        raise Invalid.on("file", str(exc)) from None


@dataclass
class Preview:
    header: list[str]
    rows: list[Record]


def preview(data: bytes, *, rows: int) -> Preview:
    """The file's header and its first records, as the file has them (for a preview)."""
    csv_file = read_file(data)
    first = []
    for record in records(csv_file):
        first.append(record)
        if len(first) == rows:
            break
    return Preview(csv_file.header, first)


def import_candidates(
    session: Session,
    *,
    actor: User,
    data: bytes,
    project_id: int | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    mapping: Mapping[str, str | None] | None = None,
    progress: Progress | None = None,
) -> CandidateImportResult:
    """Import the CSV `data` into the actor's team (and `project_id`); see the module's doc.

    Answers the counts; with invalid rows, no `skip_invalid` and no `dry_run`, raises a 422
    carrying the same counts and writes nothing.
    """
    team_id = actor.team_id
    project = None
    if project_id is not None:
        project = projects.require_project(
            session, team_id=team_id, project_id=project_id, field="project_id"
        )
    csv_file = read_file(data)
    fields = map_columns(csv_file.header, mapping)
    rows = _read_rows(csv_file, fields, progress)
    people = _Matcher(session, team_id=team_id, rows=rows)
    invalid = [LineErrors(line=r.line, errors=r.errors) for r in rows if r.errors]
    created = sum(1 for p in people.people if p.id is None)
    result = CandidateImportResult(
        rows=len(rows),
        created=created,
        matched=len(rows) - created - len(invalid),
        added_to_project=0,
        invalid=invalid,
        mapping=dict(zip(csv_file.header, fields, strict=True)),
        dry_run=dry_run,
    )
    # What the rows said is in `people` now: their text need not stay while it is written.
    size = len(csv_file.text)
    del rows
    csv_file.close()
    if project is not None:
        result.added_to_project = people.count_outside(session, project_id=project.id)
    if dry_run:
        return result
    if invalid and not skip_invalid:
        lines = len(invalid)
        raise Invalid(
            detail=f"{lines:,} line{'s' if lines != 1 else ''} with errors (first: line "
            f"{invalid[0].line}: {invalid[0].errors[0]}); nothing was imported",
            extra=result.model_dump(mode="json"),
        )
    _write(session, actor=actor, people=people.people, project=project)
    if progress is not None:
        progress(size, size)
    audit.record(
        session,
        actor=actor,
        team_id=team_id,
        action="import_candidates",
        entity_type="team",
        entity_id=team_id,
        after=result.model_dump(mode="json", exclude={"invalid", "mapping"})
        | {"project_id": project_id},
    )
    return result


def _read_rows(
    csv_file: CsvFile, fields: list[str | None], progress: Progress | None
) -> list[CandidateRow]:
    rows = []
    size = len(csv_file.text)
    for record in records(csv_file):
        rows.append(read_row(record.line, record.cells, csv_file.header, fields))
        if progress is not None and len(rows) % 2_000 == 0:
            progress(csv_file.position, size)
    return rows


class _Matcher:
    """Decides, for each valid row in order, which candidate it is (marking the invalid)."""

    def __init__(self, session: Session, *, team_id: int, rows: list[CandidateRow]) -> None:
        self.team_id = team_id
        # The candidates the valid rows are, each once, in the order first met.
        self.people: list[_Person] = []
        self._owners: dict[str, _Person] = {}
        self._used: set[int] = set()
        self._load_existing(session, rows)
        for row in rows:
            if not row.errors:
                self._place(row)

    def _load_existing(self, session: Session, rows: list[CandidateRow]) -> None:
        emails = sorted({k for r in rows if not r.errors for k in r.emails})
        profiles = sorted({r.linkedin_key for r in rows if not r.errors and r.linkedin_key})
        owner_ids: dict[str, int] = {}
        for chunk in _chunks(emails):
            found = session.execute(
                select(CandidateEmail.email_key, CandidateEmail.candidate_id).where(
                    CandidateEmail.team_id == self.team_id,
                    CandidateEmail.email_key.in_(text_list(session, chunk)),
                )
            )
            owner_ids.update((f"email:{key}", cid) for key, cid in found)
        for chunk in _chunks(profiles):
            found = session.execute(
                select(Candidate.linkedin_key, Candidate.id).where(
                    Candidate.team_id == self.team_id,
                    Candidate.deleted_at.is_(None),
                    Candidate.linkedin_key.in_(text_list(session, chunk)),
                )
            )
            owner_ids.update((f"linkedin:{key}", cid) for key, cid in found)
        people = {cid: person for cid, person in self._existing(session, set(owner_ids.values()))}
        self._owners = {key: people[cid] for key, cid in owner_ids.items()}

    def _existing(self, session: Session, ids: set[int]) -> Iterable[tuple[int, _Person]]:
        for chunk in _chunks(sorted(ids)):
            candidates = session.scalars(
                select(Candidate).where(Candidate.id.in_(id_list(session, chunk)))
            )
            for c in candidates:
                person = _Person(
                    name=c.name,
                    id=c.id,
                    emails={e.email_key: e.email for e in c.emails},
                    email_count=len(c.emails),
                    fields={name: getattr(c, name) for name in FILLABLE},
                    linkedin_key=c.linkedin_key,
                )
                yield c.id, person

    def _place(self, row: CandidateRow) -> None:
        matched: list[tuple[str, _Person]] = []
        for key in row.match_keys():
            person = self._owners.get(key)
            if person is not None and all(person is not p for _, p in matched):
                matched.append((key, person))
        if len(matched) > 1:
            (key_a, a), (key_b, b) = matched[:2]
            row.errors.append(
                f"matches two different candidates: {a.describe()} (by {_say(key_a)}) and "
                f"{b.describe()} (by {_say(key_b)})"
            )
            return
        if not matched:
            self._start(row)
            return
        person = matched[0][1]
        if len(person.emails | row.emails) > EMAILS_MAX:
            row.errors.append(f"the candidate would have more than {EMAILS_MAX} email addresses")
            return
        if id(person) not in self._used:
            self._used.add(id(person))
            self.people.append(person)
        self._merge(person, row)

    def _start(self, row: CandidateRow) -> None:
        """A new candidate, the row's alone so far."""
        fields = {name: value for name in FILLABLE if (value := getattr(row, name))}
        person = _Person(
            row.name, line=row.line, emails=row.emails, fields=fields, linkedin_key=row.linkedin_key
        )
        self.people.append(person)
        self._used.add(id(person))
        for key in row.match_keys():
            self._owners[key] = person

    def _merge(self, person: _Person, row: CandidateRow) -> None:
        for name in FILLABLE:
            value = getattr(row, name)
            if value and not person.fields.get(name):
                if name == "linkedin_url":
                    if person.linkedin_key is not None:
                        continue
                    person.linkedin_key = row.linkedin_key
                    self._owners[f"linkedin:{row.linkedin_key}"] = person
                person.fields[name] = value
                person.changed.append(name)
        for key, address in row.emails.items():
            if key not in person.emails:
                person.emails[key] = address
                person.new_emails.append((key, address))
                self._owners[f"email:{key}"] = person

    def count_outside(self, session: Session, *, project_id: int) -> int:
        """How many of the import's candidates are not in the project yet."""
        existing = [p.id for p in self.people if p.id is not None]
        members = set(projects.member_ids(session, project_id=project_id)) if existing else set()
        return sum(1 for p in self.people if p.id is None or p.id not in members)


def _say(key: str) -> str:
    kind, _, value = key.partition(":")
    return f"email {value}" if kind == "email" else f"LinkedIn URL {value}"


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


def _write(
    session: Session, *, actor: User, people: list[_Person], project: Project | None
) -> None:
    team_id = actor.team_id
    fresh = [p for p in people if p.id is None]
    matched = [p for p in people if p.id is not None]
    try:
        with session.begin_nested():
            made = many.create_many(
                session,
                team_id=team_id,
                people=fresh,
            )
            for person, new_id in zip(fresh, made, strict=True):
                person.id = new_id
            many.fill_fields(session, [_filled(p) for p in matched if p.changed or p.new_emails])
            many.add_emails(
                session,
                team_id=team_id,
                rows=[
                    (p.id, key, address, p.email_count + position)
                    for p in matched
                    for position, (key, address) in enumerate(p.new_emails)
                    if p.id is not None
                ],
            )
            if project is not None and people:
                ids = sorted(p.id for p in people if p.id is not None)
                projects.lock_members(session, project)
                projects.add_members(
                    session, actor=actor, project=project, ids=ids, chosen=id_list(session, ids)
                )
    except IntegrityError:
        raise Conflict(
            "a candidate with one of these emails or LinkedIn URLs was added while the file "
            "was imported; nothing was imported: import it again"
        ) from None


def _filled(person: _Person) -> dict[str, Any]:
    values: dict[str, Any] = {"id": person.id}
    for name in person.changed:
        values[name] = person.fields[name]
    if "linkedin_url" in person.changed:
        values["linkedin_key"] = person.linkedin_key
    return values
