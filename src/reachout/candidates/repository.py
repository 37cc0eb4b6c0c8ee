"""The candidate queries the service builds on; portable across SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from reachout.kit.types import is_db_id
from reachout.models import Candidate, CandidateEmail, ProjectCandidate


def is_live_in_team(team_id: int) -> ColumnElement[bool]:
    return and_(Candidate.team_id == team_id, Candidate.deleted_at.is_(None))


def readable(team_id: int) -> Select[Candidate]:
    """The team's live candidates: where every read of a team's candidates starts."""
    return select(Candidate).where(is_live_in_team(team_id))


def get(session: Session, *, team_id: int, candidate_id: int) -> Candidate | None:
    if not is_db_id(candidate_id):
        return None
    return session.scalar(readable(team_id).where(Candidate.id == candidate_id))


def like_pattern(text: str) -> str:
    """`%text%` for LIKE ... ESCAPE '\\', with the user's own % and _ matched literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(q: str) -> ColumnElement[bool]:
    """Name, email, company or title contains `q`, ignoring case.

    Both sides are lower-cased by the database, not Python, so the two always agree (SQLite's
    lower() folds ASCII only; PostgreSQL's folds all of Unicode).
    """
    pattern = func.lower(literal(like_pattern(q)))

    def contains(column: QueryableAttribute[str | None]) -> ColumnElement[bool]:
        return func.lower(column).like(pattern, escape="\\")

    has_email = exists().where(
        CandidateEmail.candidate_id == Candidate.id, contains(CandidateEmail.email_key)
    )
    return or_(
        contains(Candidate.name), contains(Candidate.company), contains(Candidate.title), has_email
    )


def with_email(team_id: int, key: str) -> ColumnElement[bool]:
    """Has this email key: the team's unique key on email keys finds the one owner."""
    owner = select(CandidateEmail.candidate_id).where(
        CandidateEmail.team_id == team_id, CandidateEmail.email_key == key
    )
    return Candidate.id.in_(owner)


def with_linkedin(key: str) -> ColumnElement[bool]:
    return Candidate.linkedin_key == key


def count(session: Session, stmt: Select[Any]) -> int:
    """How many rows `stmt` selects."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def name_key() -> ColumnElement[str]:
    """What a list sorts names by: ignoring case (as the search matches them)."""
    return func.lower(Candidate.name)


def sorted_by(
    stmt: Select[Candidate], key: ColumnElement[Any] | None, *, descending: bool
) -> Select[Candidate]:
    """`stmt` in the order of `key` (None: id order), those without a value last either way;
    ties in id order, so that pages never overlap."""
    if key is None:
        return stmt.order_by(Candidate.id.desc() if descending else Candidate.id)
    return stmt.order_by(key.is_(None), key.desc() if descending else key, Candidate.id)


def page_of(
    session: Session, stmt: Select[Candidate], *, offset: int, limit: int
) -> list[Candidate]:
    return list(session.scalars(stmt.offset(offset).limit(limit)))


def page_and_total(
    session: Session, stmt: Select[Candidate], *, offset: int, limit: int
) -> tuple[list[Candidate], int | None]:
    """A page of the ordered `stmt` and how many rows it selects in all, in one query (a
    window count): for filters that cost a computation per candidate, which a count apart
    would run a second time. An empty page knows no total: None, unless it is the first."""
    rows = session.execute(stmt.add_columns(func.count().over()).offset(offset).limit(limit))
    page = [(candidate, total) for candidate, total in rows]
    if not page:
        return [], 0 if offset == 0 else None
    return [candidate for candidate, _ in page], page[0][1]


def ids_of(session: Session, stmt: Select[Any]) -> list[int]:
    """The ids of the candidates `stmt` selects, in order (one column, not whole rows)."""
    return list(session.scalars(stmt.with_only_columns(Candidate.id).order_by(Candidate.id)))


def get_deleted(session: Session, *, team_id: int, candidate_id: int) -> Candidate | None:
    """A candidate of the team that was deleted (to say whom a delete removed)."""
    if not is_db_id(candidate_id):
        return None
    stmt = select(Candidate).where(
        Candidate.id == candidate_id,
        Candidate.team_id == team_id,
        Candidate.deleted_at.is_not(None),
    )
    return session.scalar(stmt)


def in_project(project_id: int) -> ColumnElement[bool]:
    return exists().where(
        ProjectCandidate.candidate_id == Candidate.id, ProjectCandidate.project_id == project_id
    )


def owner_of_email(
    session: Session, *, team_id: int, keys: Collection[str], other_than: int | None
) -> tuple[int, str] | None:
    """A candidate of the team (not `other_than`) that has one of these email keys."""
    if not keys:
        return None
    stmt = select(CandidateEmail.candidate_id, CandidateEmail.email_key).where(
        CandidateEmail.team_id == team_id, CandidateEmail.email_key.in_(keys)
    )
    if other_than is not None:
        stmt = stmt.where(CandidateEmail.candidate_id != other_than)
    row = session.execute(stmt.order_by(CandidateEmail.candidate_id).limit(1)).first()
    return (row[0], row[1]) if row else None


def owner_of_linkedin(
    session: Session, *, team_id: int, key: str | None, other_than: int | None
) -> int | None:
    if key is None:
        return None
    stmt = select(Candidate.id).where(Candidate.team_id == team_id, Candidate.linkedin_key == key)
    if other_than is not None:
        stmt = stmt.where(Candidate.id != other_than)
    return session.scalar(stmt.limit(1))


def strangers(session: Session, *, team_id: int, ids: Select[Any]) -> list[int]:
    """The ids among `ids` that are not live candidates of the team, each once, in order."""
    wanted = ids.subquery("wanted")
    wanted_id = wanted.c[0]
    known = exists().where(Candidate.id == wanted_id, is_live_in_team(team_id))
    stmt = select(wanted_id).where(~known).distinct().order_by(wanted_id)
    return list(session.scalars(stmt))


def project_ids_of(session: Session, candidate_ids: Sequence[int]) -> dict[int, list[int]]:
    """Each candidate's projects, in id order (for a page of candidates: a short IN list)."""
    out: dict[int, list[int]] = defaultdict(list)
    if not candidate_ids:
        return out
    rows = session.execute(
        select(ProjectCandidate.candidate_id, ProjectCandidate.project_id)
        .where(ProjectCandidate.candidate_id.in_(candidate_ids))
        .order_by(ProjectCandidate.project_id)
    )
    for candidate_id, project_id in rows:
        out[candidate_id].append(project_id)
    return out
