"""Candidates: the people being recruited, unique in a team by email and by LinkedIn URL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout import audit
from reachout.candidates import repository
from reachout.candidates.linkedin import profile_url
from reachout.candidates.schemas import (
    CandidateCreate,
    CandidateRead,
    CandidateSearch,
    CandidateUpdate,
    Contacted,
    ReplyFilter,
)
from reachout.errors import Conflict, FieldError, Invalid, NotFound
from reachout.kit.pagination import DEFAULT_LIMIT, Page, paginate
from reachout.kit.time import now
from reachout.models import Candidate, CandidateEmail, User
from reachout.projects import service as projects
from reachout.touchpoints import service as touchpoints
from reachout.touchpoints import timeline
from reachout.users import service as users

# Email addresses checked as the API's bodies check them, so a lookup's key is the stored key.
_EMAIL: TypeAdapter[str] = TypeAdapter(EmailStr)

# How many offending ids an error's one-line detail spells out (`errors` lists them all).
DETAIL_IDS = 10


def linkedin_key(url: str) -> str:
    """The uniqueness key of a LinkedIn profile URL: `linkedin.com/in/<slug>`.

    `https://www.LinkedIn.com/in/Jane-Doe/?trk=x` and `uk.linkedin.com/in/jane-doe` are one
    profile (see `profile_url`); a URL that is not a profile's is a 422 on the field.
    """
    try:
        return profile_url(url).removeprefix("https://www.")
    except ValueError as exc:
        raise Invalid.on("linkedin_url", str(exc)) from exc


def email_keys(emails: Sequence[str]) -> dict[str, str]:
    """Key (trimmed, lower-cased) -> address, in the order given; a repeated address counts once."""
    out: dict[str, str] = {}
    for address in emails:
        out.setdefault(address.strip().lower(), address.strip())
    return out


def require_candidate(
    session: Session, *, team_id: int, candidate_id: int, field: str | None = None
) -> Candidate:
    """A live candidate of the team; else 404 (an id in a path) or 422 on `field` (in a body).

    Another team's candidate is answered exactly as one that does not exist.
    """
    candidate = repository.get(session, team_id=team_id, candidate_id=candidate_id)
    if candidate is None:
        if field is None:
            raise NotFound(f"candidate {candidate_id} not found")
        raise Invalid.on(field, f"no candidate with id {candidate_id}")
    return candidate


def require_candidates(session: Session, *, team_id: int, candidate_ids: Select[Any]) -> None:
    """All of these ids name live candidates of the team; else 422 listing every other id."""
    unknown = repository.strangers(session, team_id=team_id, ids=candidate_ids)
    if not unknown:
        return
    shown = ", ".join(str(i) for i in unknown[:DETAIL_IDS])
    more = f" and {len(unknown) - DETAIL_IDS} more" if len(unknown) > DETAIL_IDS else ""
    raise Invalid(
        detail=f"no such candidate: {shown}{more}",
        errors=[FieldError("no such candidate", id=i) for i in unknown],
    )


def _check_unique(
    session: Session,
    *,
    team_id: int,
    emails: dict[str, str],
    linkedin: str | None,
    candidate_id: int | None,
) -> None:
    clash = repository.owner_of_email(
        session, team_id=team_id, keys=emails.keys(), other_than=candidate_id
    )
    if clash is not None:
        existing_id, key = clash
        raise Conflict(
            f"candidate {existing_id} has the email {key} already",
            extra={"existing_id": existing_id},
        )
    existing = repository.owner_of_linkedin(
        session, team_id=team_id, key=linkedin, other_than=candidate_id
    )
    if existing is not None:
        raise Conflict(
            f"candidate {existing} has the LinkedIn profile {linkedin} already",
            extra={"existing_id": existing},
        )


@contextmanager
def _unique_or_conflict(
    session: Session,
    *,
    team_id: int,
    emails: dict[str, str],
    linkedin: str | None,
    candidate_id: int | None,
) -> Iterator[None]:
    """The writes of the block, flushed in a savepoint. `_check_unique` ran before them, but a
    request committing the same email or profile in between (PostgreSQL: concurrent requests)
    trips the unique key instead: our writes are rolled back and the answer names theirs, as
    the check would have."""
    try:
        with session.begin_nested():
            yield
            session.flush()
    except IntegrityError:
        # The unique key made us wait for the other transaction, so its row is visible now.
        _check_unique(
            session, team_id=team_id, emails=emails, linkedin=linkedin, candidate_id=candidate_id
        )
        raise


def _set_emails(candidate: Candidate, emails: dict[str, str]) -> None:
    # Rows whose key stays are updated in place, not deleted and re-added: the unit of work
    # inserts before it deletes, so re-adding a kept address would trip the unique key.
    current = {row.email_key: row for row in candidate.emails}
    rows = []
    for position, (key, address) in enumerate(emails.items()):
        row = current.get(key) or CandidateEmail(team_id=candidate.team_id, email_key=key)
        row.email, row.position = address, position
        rows.append(row)
    candidate.emails = rows


def _snapshot(candidate: Candidate) -> dict[str, Any]:
    return {**audit.snapshot(candidate), "emails": [e.email for e in candidate.emails]}


def create_candidate(session: Session, *, actor: User, data: CandidateCreate) -> Candidate:
    emails = email_keys(data.emails)
    linkedin = linkedin_key(data.linkedin_url) if data.linkedin_url else None
    _check_unique(
        session, team_id=actor.team_id, emails=emails, linkedin=linkedin, candidate_id=None
    )
    candidate = Candidate(
        team_id=actor.team_id, linkedin_key=linkedin, **data.model_dump(exclude={"emails"})
    )
    _set_emails(candidate, emails)
    with _unique_or_conflict(
        session, team_id=actor.team_id, emails=emails, linkedin=linkedin, candidate_id=None
    ):
        session.add(candidate)
    audit.record_change(
        session, actor=actor, action="create", entity=candidate, after=_snapshot(candidate)
    )
    return candidate


def get_candidate(session: Session, *, actor: User, candidate_id: int) -> Candidate:
    return require_candidate(session, team_id=actor.team_id, candidate_id=candidate_id)


def lookup_email_key(value: str) -> str:
    """The key an address is stored under (`email_keys` of the validated address), for an
    address as someone typed it: case and surrounding spaces do not matter. Not an email
    address: a 422 on `email`."""
    try:
        address = _EMAIL.validate_python(value)
    except ValidationError as exc:
        raise Invalid.on("email", "is not an email address") from exc
    return next(iter(email_keys([address])))


def matching(session: Session, *, actor: User, search: CandidateSearch) -> Select[Candidate]:
    """The live candidates of the actor's team that pass every filter of `search`.

    `q` is part of a name, email, company or title; `email` and `linkedin_url` find a candidate
    by the normalized value they are unique by; the others look at their last contact
    (`_contact_filters`). A malformed filter is a 422 on its field.
    """
    stmt = repository.readable(actor.team_id)
    q = (search.q or "").strip()
    if "\x00" in q:
        raise Invalid.on("q", "must not contain NUL characters")
    if q:
        stmt = stmt.where(repository.matches(q))
    if search.project_id is not None:
        projects.require_project(
            session, team_id=actor.team_id, project_id=search.project_id, field="project_id"
        )
        stmt = stmt.where(repository.in_project(search.project_id))
    if search.email is not None:
        key = lookup_email_key(search.email)
        stmt = stmt.where(repository.with_email(actor.team_id, key))
    if search.linkedin_url is not None:
        stmt = stmt.where(repository.with_linkedin(linkedin_key(search.linkedin_url)))
    return _contact_filters(session, actor=actor, stmt=stmt, search=search)


def _contact_filters(
    session: Session, *, actor: User, stmt: Select[Candidate], search: CandidateSearch
) -> Select[Candidate]:
    """Contacted or not, by whom and on which days (the latest live outreach), and the latest
    live reply: each a column of the statement's candidates, computed in SQL."""
    first, last = search.contacted_from, search.contacted_to
    if first is not None and last is not None and first > last:
        message = f"contacted_from {first} is after contacted_to {last}"
        fields = ("contacted_from", "contacted_to")
        raise Invalid(message, errors=[FieldError(message, field=f) for f in fields])
    contact = timeline.last_contact_columns()
    if search.contacted is not None:
        contacted = contact.contacted_at.is_not(None)
        stmt = stmt.where(contacted if search.contacted is Contacted.yes else ~contacted)
    if search.reply is ReplyFilter.none:
        stmt = stmt.where(contact.reply_id.is_(None))
    elif search.reply is ReplyFilter.any:
        stmt = stmt.where(contact.reply_id.is_not(None))
    elif search.reply is not None:
        stmt = stmt.where(contact.reply_status == search.reply.value)
    if search.owner_id is not None:
        users.require_team_user(
            session, team_id=actor.team_id, user_id=search.owner_id, field="owner_id"
        )
        stmt = stmt.where(contact.owner_id == search.owner_id)
    if first is not None:
        stmt = stmt.where(contact.contacted_day >= first)
    if last is not None:
        stmt = stmt.where(contact.contacted_day <= last)
    return stmt


def list_candidates(
    session: Session,
    *,
    actor: User,
    search: CandidateSearch | None = None,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[Candidate]:
    """Live candidates of the actor's team in id order, filtered as `matching` says."""
    stmt = matching(session, actor=actor, search=search or CandidateSearch())
    return paginate(session, stmt, id_column=Candidate.id, limit=limit, cursor=cursor)


def count_matching(session: Session, *, actor: User, search: CandidateSearch) -> int:
    return repository.count(session, matching(session, actor=actor, search=search))


def matching_ids(session: Session, *, actor: User, search: CandidateSearch) -> list[int]:
    """The ids of every candidate the search finds, in order (a list's select-all)."""
    return repository.ids_of(session, matching(session, actor=actor, search=search))


def update_candidate(
    session: Session, *, actor: User, candidate_id: int, changes: CandidateUpdate
) -> Candidate:
    candidate = require_candidate(session, team_id=actor.team_id, candidate_id=candidate_id)
    before = _snapshot(candidate)
    fields = changes.model_fields_set
    emails = email_keys(changes.emails or []) if "emails" in fields else None
    linkedin = candidate.linkedin_key
    if "linkedin_url" in fields:
        linkedin = linkedin_key(changes.linkedin_url) if changes.linkedin_url else None
    _check_unique(
        session,
        team_id=actor.team_id,
        emails=emails or {},
        linkedin=linkedin,
        candidate_id=candidate.id,
    )
    with _unique_or_conflict(
        session,
        team_id=actor.team_id,
        emails=emails or {},
        linkedin=linkedin,
        candidate_id=candidate.id,
    ):
        for field in fields - {"emails"}:
            setattr(candidate, field, getattr(changes, field))
        candidate.linkedin_key = linkedin
        if emails is not None:
            _set_emails(candidate, emails)
        # Set explicitly: a change of emails alone does not touch the candidate's own row.
        candidate.updated_at = now()
    audit.record_change(
        session,
        actor=actor,
        action="update",
        entity=candidate,
        before=before,
        after=_snapshot(candidate),
    )
    return candidate


def delete_candidate(session: Session, *, actor: User, candidate_id: int) -> None:
    """Soft delete: the candidate and their touchpoints are kept, but take part in nothing.

    Their emails and LinkedIn key are released, so the same person can be added again. Their
    touchpoints are deleted too, so it is allowed to whoever may delete each of them.
    """
    candidate = require_candidate(session, team_id=actor.team_id, candidate_id=candidate_id)
    touchpoints.delete_history(session, actor=actor, candidate_id=candidate.id)
    before = _snapshot(candidate)
    candidate.deleted_at = now()
    candidate.linkedin_key = None
    candidate.emails = []
    session.flush()
    audit.record_change(session, actor=actor, action="delete", entity=candidate, before=before)


def may_delete(session: Session, *, actor: User, candidate_id: int) -> bool:
    """Whether `delete_candidate` would let the actor delete the candidate (SPEC §7: an admin,
    or a member who logged every touchpoint of the candidate); pages offer Delete only then."""
    return touchpoints.may_delete_history(session, actor=actor, candidate_id=candidate_id)


def deleted_name(session: Session, *, actor: User, candidate_id: int) -> str | None:
    """The name of a deleted candidate of the actor's team (what a page says was deleted)."""
    candidate = repository.get_deleted(session, team_id=actor.team_id, candidate_id=candidate_id)
    return candidate.name if candidate else None


def read_candidates(session: Session, candidates: Sequence[Candidate]) -> list[CandidateRead]:
    """The API's view of these candidates, with their project ids (one query for all)."""
    projects = repository.project_ids_of(session, [c.id for c in candidates])
    return [CandidateRead.of(c, project_ids=projects.get(c.id, [])) for c in candidates]


def read_candidate(session: Session, candidate: Candidate) -> CandidateRead:
    return read_candidates(session, [candidate])[0]
