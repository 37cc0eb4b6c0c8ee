"""A candidate CSV's columns and rows: which field each header names (SPEC §7), and each
record read into a candidate's fields, with every problem named by its column."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from reachout.candidates.linkedin import profile_url
from reachout.candidates.schemas import EMAILS_MAX
from reachout.errors import Invalid
from reachout.kit.csvread import header_key
from reachout.kit.emails import NotAnEmail, normalized_email

# The fields a column can be read as, and the header names (as `header_key` gives them) that
# mean each without an explicit mapping.
FIELDS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "linkedin_url",
    "title",
    "company",
    "location",
)
KNOWN_HEADERS = {
    "name": "name",
    "full name": "name",
    "first name": "first_name",
    "last name": "last_name",
    "email": "email",
    "email address": "email",
    "emails": "email",
    "e mail": "email",
    "e mail address": "email",
    "phone": "phone",
    "linkedin": "linkedin_url",
    "linkedin url": "linkedin_url",
    "profile url": "linkedin_url",
    "title": "title",
    "job title": "title",
    "company": "company",
    "current company": "company",
    "location": "location",
}
# Longest text each field takes (the candidate's columns).
MAX_LENGTH = {
    "name": 200,
    "phone": 64,
    "linkedin_url": 500,
    "title": 200,
    "company": 200,
    "location": 200,
}
EMAIL_SPLIT = re.compile(r"[,;\s]+")


def map_columns(header: list[str], explicit: Mapping[str, str | None] | None) -> list[str | None]:
    """The field each column is read as (None: ignored); a 422 when no column gives a name.

    `explicit` maps a column's header, as written in the file, to a field (or None / "" to
    ignore it) and wins over the header's own meaning.
    """
    explicit = dict(explicit or {})
    unknown = [column for column in explicit if column not in header]
    if unknown:
        raise Invalid.on("mapping", f"no column {unknown[0]!r} in the file's header")
    fields: list[str | None] = []
    for column in header:
        if column in explicit:
            chosen = explicit[column] or None
            if chosen is not None and chosen not in FIELDS:
                raise Invalid.on(
                    "mapping", f"{chosen!r} is not a field (one of: {', '.join(FIELDS)})"
                )
            fields.append(chosen)
        else:
            fields.append(KNOWN_HEADERS.get(header_key(column)))
    if not {"name", "first_name", "last_name"} & set(fields):
        raise Invalid.on(
            "file",
            "no name column: the header needs “Name” (or “Full name”, or “First name” and "
            "“Last name”)",
        )
    return fields


@dataclass(slots=True)
class CandidateRow:
    """One record's candidate fields, read and checked."""

    line: int
    name: str = ""
    emails: dict[str, str] = field(default_factory=dict)  # key -> address, in file order
    phone: str | None = None
    linkedin_url: str | None = None
    linkedin_key: str | None = None
    title: str | None = None
    company: str | None = None
    location: str | None = None
    errors: list[str] = field(default_factory=list)

    def match_keys(self) -> list[str]:
        """What the row is matched on: its emails and its LinkedIn profile."""
        found = [f"email:{key}" for key in self.emails]
        if self.linkedin_key:
            found.append(f"linkedin:{self.linkedin_key}")
        return found


def read_row(
    line: int, cells: list[str], header: list[str], fields: list[str | None]
) -> CandidateRow:
    row = CandidateRow(line=line)
    values: dict[str, list[tuple[str, str]]] = {}
    for column, name, cell in zip(header, fields, cells, strict=False):
        if name is not None and cell:
            values.setdefault(name, []).append((column, cell))

    def one(name: str) -> tuple[str, str] | None:
        found = values.get(name)
        return found[0] if found else None

    _read_name(row, one("name"), one("first_name"), one("last_name"), header, fields)
    for column, cell in values.get("email", []):
        _read_emails(row, column, cell)
    linkedin = one("linkedin_url")
    if linkedin is not None:
        column, cell = linkedin
        try:
            row.linkedin_url = profile_url(cell)
            row.linkedin_key = row.linkedin_url.removeprefix("https://www.")
        except ValueError as exc:
            row.errors.append(f"{column}: {cell!r}: {exc}")
    for name in ("phone", "title", "company", "location"):
        found = one(name)
        if found is not None:
            column, cell = found
            if _fits(row, column, cell, MAX_LENGTH[name]):
                setattr(row, name, cell)
    return row


def _column_of(name: str, header: list[str], fields: list[str | None]) -> str:
    return next((c for c, f in zip(header, fields, strict=True) if f == name), name)


def _read_name(
    row: CandidateRow,
    full: tuple[str, str] | None,
    first: tuple[str, str] | None,
    last: tuple[str, str] | None,
    header: list[str],
    fields: list[str | None],
) -> None:
    if full is not None:
        column, name = full
    else:
        parts = [part[1] for part in (first, last) if part is not None]
        column = " + ".join(
            _column_of(f, header, fields) for f in ("first_name", "last_name") if f in fields
        )
        name = " ".join(parts)
    if not name:
        named = _column_of("name", header, fields) if "name" in fields else column
        row.errors.append(f"{named}: a name is required")
    elif _fits(row, column, name, MAX_LENGTH["name"]):
        row.name = " ".join(name.split())


def _read_emails(row: CandidateRow, column: str, cell: str) -> None:
    for address in EMAIL_SPLIT.split(cell):
        if not address:
            continue
        try:
            checked = normalized_email(address)
        except NotAnEmail:
            row.errors.append(f"{column}: {address!r} is not an email address")
            continue
        row.emails.setdefault(checked.lower(), checked)
    if len(row.emails) > EMAILS_MAX:
        row.errors.append(f"{column}: more than {EMAILS_MAX} email addresses")


def _fits(row: CandidateRow, column: str, value: str, limit: int) -> bool:
    if len(value) > limit:
        row.errors.append(f"{column}: longer than {limit} characters")
        return False
    return True
