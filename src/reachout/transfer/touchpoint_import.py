"""Touchpoint history from Gem's `event_log` export (SPEC §7).

Users are matched by email ignoring case (an unknown one makes its line invalid); candidates by
email ignoring case, and created (named first + last) when the team has none with it. First
Outreach and Follow-up become explicit designations, Reply a reply; other event types (Meeting)
are skipped and reported. A row the team has already (same candidate, kind, channel, user and
second) is a duplicate and not written again, so importing a file twice writes nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout import audit
from reachout.candidates import many
from reachout.errors import Conflict, Invalid
from reachout.kit.csvread import CsvFile, header_key
from reachout.kit.emails import NotAnEmail, normalized_email
from reachout.kit.sql import text_list
from reachout.models import CandidateEmail, User
from reachout.models.enums import Kind
from reachout.touchpoints import imported
from reachout.touchpoints.imported import ImportedTouchpoint
from reachout.transfer import gem
from reachout.transfer.candidate_import import read_file, records
from reachout.transfer.schemas import LineErrors, SkippedLine, TouchpointImportResult
from reachout.users import service as users

Progress = Callable[[int, int], None]
REQUIRED = ("timestamp", "user_email", "candidate_email", "event_type", "event_subtype")
# Unix seconds the ledger takes: 1970 up to the end of 2199.
LATEST = int(datetime(2200, 1, 1, tzinfo=UTC).timestamp())
LOOKUP_CHUNK = 20_000


@dataclass
class _Row:
    line: int
    email_key: str
    address: str
    name: str
    touchpoint: ImportedTouchpoint | None  # candidate_id 0 until the candidate is known


def _columns(csv_file: CsvFile) -> dict[str, int]:
    where = {
        header_key(h).replace(" ", "_"): i for i, h in reversed(list(enumerate(csv_file.header)))
    }
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        raise Invalid.on(
            "file",
            f"not a Gem event_log export: no column {', '.join(missing)} (expected the columns "
            f"{', '.join(gem.COLUMNS)})",
        )
    return where


def import_gem(
    session: Session,
    *,
    actor: User,
    data: bytes,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> TouchpointImportResult:
    csv_file = read_file(data)
    columns = _columns(csv_file)
    team_users = {u.email.lower(): u.id for u in users.list_users(session, actor=actor)}
    rows: list[_Row] = []
    skipped: list[SkippedLine] = []
    invalid: list[LineErrors] = []
    count = 0
    for record in records(csv_file):
        count += 1
        cells = {
            name: (record.cells[i] if i < len(record.cells) else "") for name, i in columns.items()
        }
        event_type = cells["event_type"]
        if event_type.casefold() not in _EVENT_KINDS:
            skipped.append(
                SkippedLine(
                    line=record.line, reason=f"event type {event_type!r} is not a touchpoint"
                )
            )
            continue
        row, errors = _read(record.line, cells, team_users)
        if errors:
            invalid.append(LineErrors(line=record.line, errors=errors))
        else:
            rows.append(row)
        if progress is not None and count % 5_000 == 0:
            progress(csv_file.position, len(csv_file.text))
    if not dry_run:
        imported.lock_histories(session, team_id=actor.team_id)
    known = _candidates_by_email(session, team_id=actor.team_id, keys={r.email_key for r in rows})
    new_people: dict[str, many.NewCandidate] = {}
    for row in rows:
        if row.email_key not in known and row.email_key not in new_people:
            new_people[row.email_key] = many.NewCandidate(
                name=row.name or row.address, emails={row.email_key: row.address}
            )
    seen = imported.existing_keys(
        session, team_id=actor.team_id, candidate_ids=sorted(set(known.values()))
    )
    result = TouchpointImportResult(
        rows=count,
        created=0,
        duplicates=0,
        skipped=skipped,
        invalid=invalid,
        candidates_created=len(new_people),
        dry_run=dry_run,
    )
    if invalid and not skip_invalid and not dry_run:
        _refuse(result)
    if not dry_run and new_people:
        try:
            with session.begin_nested():
                ids = many.create_many(
                    session, team_id=actor.team_id, people=list(new_people.values())
                )
        except IntegrityError:
            raise Conflict(
                "a candidate with one of these emails was added while the file was imported; "
                "nothing was imported: import it again"
            ) from None
        known.update(zip(new_people, ids, strict=True))
    elif dry_run:
        # Not created in a dry run: stand-in ids, so duplicates within the file still count.
        known.update((key, -1 - i) for i, key in enumerate(new_people))
    to_write = []
    for row in rows:
        assert row.touchpoint is not None
        touchpoint = _with_candidate(row.touchpoint, known[row.email_key])
        key = touchpoint.same_key()
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        to_write.append(touchpoint)
    result.created = len(to_write)
    if dry_run:
        return result
    imported.write_imported(session, team=actor.team, actor=actor, rows=to_write)
    if progress is not None:
        progress(len(csv_file.text), len(csv_file.text))
    audit.record(
        session,
        actor=actor,
        team_id=actor.team_id,
        action="import_touchpoints",
        entity_type="team",
        entity_id=actor.team_id,
        after=result.model_dump(mode="json", exclude={"invalid", "skipped"}),
    )
    return result


_EVENT_KINDS = {name.casefold(): name for name in (gem.FIRST_OUTREACH, gem.FOLLOW_UP, gem.REPLY)}
_CHANNELS = {name.casefold(): channel for name, channel in gem.CHANNELS.items()}
_STATUSES = {name.casefold(): status for name, status in gem.REPLY_STATUSES.items()}


def _read(line: int, cells: dict[str, str], team_users: dict[str, int]) -> tuple[_Row, list[str]]:
    errors: list[str] = []
    timestamp = cells["timestamp"]
    occurred_at = None
    try:
        seconds = int(float(timestamp))
        if not 0 <= seconds < LATEST:
            raise ValueError
        occurred_at = datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError):
        errors.append(f"timestamp: {timestamp!r} is not a time in Unix seconds")
    user_id = team_users.get(cells["user_email"].lower())
    if user_id is None:
        errors.append(f"user_email: no member of your team has the email {cells['user_email']!r}")
    address = cells["candidate_email"]
    key = ""
    if not address:
        errors.append("candidate_email: required")
    else:
        try:
            address = normalized_email(address)
            key = address.lower()
        except NotAnEmail:
            errors.append(f"candidate_email: {address!r} is not an email address")
    channel = _CHANNELS.get(cells["event_subtype"].casefold())
    if channel is None:
        errors.append(
            f"event_subtype: {cells['event_subtype']!r} is not one of {', '.join(gem.CHANNELS)}"
        )
    event = _EVENT_KINDS[cells["event_type"].casefold()]
    status = None
    metadata = cells.get("event_metadata", "")
    if event == gem.REPLY and metadata:
        status = _STATUSES.get(metadata.casefold())
        if status is None:
            errors.append(
                f"event_metadata: {metadata!r} is not one of {', '.join(gem.REPLY_STATUSES)}"
            )
    name = " ".join(
        " ".join(
            (cells.get("candidate_first_name", ""), cells.get("candidate_last_name", ""))
        ).split()
    )[:200]
    touchpoint = None
    if not errors:
        assert occurred_at is not None and channel is not None and user_id is not None
        touchpoint = ImportedTouchpoint(
            candidate_id=0,
            kind=Kind.reply if event == gem.REPLY else Kind.outreach,
            channel=channel,
            designation=gem.DESIGNATIONS.get(event),
            reply_status=status,
            occurred_at=occurred_at,
            user_id=user_id,
        )
    return _Row(line, key, address, name, touchpoint), errors


def _with_candidate(touchpoint: ImportedTouchpoint, candidate_id: int) -> ImportedTouchpoint:
    return ImportedTouchpoint(
        candidate_id=candidate_id,
        kind=touchpoint.kind,
        channel=touchpoint.channel,
        designation=touchpoint.designation,
        reply_status=touchpoint.reply_status,
        occurred_at=touchpoint.occurred_at,
        user_id=touchpoint.user_id,
    )


def _candidates_by_email(session: Session, *, team_id: int, keys: Iterable[str]) -> dict[str, int]:
    ordered = sorted(keys)
    found: dict[str, int] = {}
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        rows = session.execute(
            select(CandidateEmail.email_key, CandidateEmail.candidate_id).where(
                CandidateEmail.team_id == team_id,
                CandidateEmail.email_key.in_(text_list(session, chunk)),
            )
        )
        found.update((key, candidate_id) for key, candidate_id in rows)
    return found


def _refuse(result: TouchpointImportResult) -> None:
    first = result.invalid[0]
    lines = len(result.invalid)
    raise Invalid(
        detail=f"{lines:,} line{'s' if lines != 1 else ''} with errors (first: line {first.line}: "
        f"{first.errors[0]}); nothing was imported",
        extra=result.model_dump(mode="json"),
    )
