"""Candidates written many at a time (imports): new ones with their ids reserved up front and
their emails, in a few statements, and empty fields of existing ones filled.

Callers decide who is new and who is matched (see `transfer.candidate_import`); these writes
trust that and leave the uniqueness keys to the database: a clash is an IntegrityError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session

from reachout.db import write_rows
from reachout.kit.sql import reserve_ids
from reachout.kit.time import now
from reachout.models import Candidate, CandidateEmail

FILLABLE = ("phone", "linkedin_url", "title", "company", "location")
_CANDIDATE_COLUMNS = [
    "id",
    "team_id",
    "name",
    *FILLABLE,
    "linkedin_key",
    "created_at",
    "updated_at",
]
_EMAIL_COLUMNS = ["candidate_id", "team_id", "email", "email_key", "position"]


class Person(Protocol):
    """What a new candidate is made of (a NewCandidate, or an importer's own record)."""

    @property
    def name(self) -> str: ...
    @property
    def emails(self) -> Mapping[str, str]: ...  # key -> address, primary first
    @property
    def fields(self) -> Mapping[str, str | None]: ...  # of FILLABLE
    @property
    def linkedin_key(self) -> str | None: ...


@dataclass
class NewCandidate:
    name: str
    emails: dict[str, str] = field(default_factory=dict)  # key -> address, primary first
    fields: dict[str, str | None] = field(default_factory=dict)  # of FILLABLE
    linkedin_key: str | None = None


def _stamp() -> str:
    """Now as both databases store timestamps (`write_rows` passes values through)."""
    return now().astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def create_many(session: Session, *, team_id: int, people: Sequence[Person]) -> list[int]:
    """Insert these candidates and their emails; their ids, in the order given."""
    ids = reserve_ids(session, Candidate.__tablename__, len(people))
    moment = _stamp()
    write_rows(
        session,
        Candidate.__tablename__,
        _CANDIDATE_COLUMNS,
        [
            [
                new_id,
                team_id,
                p.name,
                *(p.fields.get(name) for name in FILLABLE),
                p.linkedin_key,
                moment,
                moment,
            ]
            for new_id, p in zip(ids, people, strict=True)
        ],
    )
    add_emails(
        session,
        team_id=team_id,
        rows=[
            (new_id, key, address, position)
            for new_id, p in zip(ids, people, strict=True)
            for position, (key, address) in enumerate(p.emails.items())
        ],
    )
    return ids


def add_emails(
    session: Session, *, team_id: int, rows: Sequence[tuple[int, str, str, int]]
) -> None:
    """Add emails to candidates: (candidate id, key, address, position) each."""
    write_rows(
        session,
        CandidateEmail.__tablename__,
        _EMAIL_COLUMNS,
        [(cid, team_id, address, key, position) for cid, key, address, position in rows],
    )


def fill_fields(session: Session, changes: Sequence[dict[str, Any]]) -> None:
    """Set fields of existing candidates: each dict has `id` and the columns to set."""
    moment = now()
    by_columns: dict[frozenset[str], list[dict[str, Any]]] = {}
    for change in changes:
        values = {**change, "updated_at": moment}
        by_columns.setdefault(frozenset(values), []).append(values)
    for rows in by_columns.values():
        session.execute(update(Candidate), rows)
