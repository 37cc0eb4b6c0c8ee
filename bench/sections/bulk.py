"""Bulk logging through the service (SPEC §2 rule 7), undo, and the driver's floor beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import CheckConstraint, Column, Index, MetaData, Table, delete, func, select, text
from sqlalchemy.orm import Session

from bench.config import Config
from bench.statements import heaviest, recorded
from bench.targets import Target
from bench.timing import Timings, ms, timed
from reachout.kit.time import local_day, now
from reachout.models import Candidate, Project, ProjectCandidate, Touchpoint, User
from reachout.models.enums import Channel, Designation, DesignationMode, Kind, Source
from reachout.synthetic.driver import write_rows
from reachout.synthetic.histories import TOUCHPOINT_COLUMNS
from reachout.touchpoints.bulk import log_bulk, undo_batch
from reachout.touchpoints.schemas import BulkCreate

TITLE = "Bulk logging"
NOTE = "Sent the role summary (bulk)"


@dataclass
class BulkFigures:
    log: dict[int, Timings] = field(default_factory=dict)
    undo: dict[int, Timings] = field(default_factory=dict)
    floor: dict[int, Timings] = field(default_factory=dict)
    clone_floor: dict[int, Timings] = field(default_factory=dict)
    # How the last bulk of each size resolved: (initial, follow_up).
    resolved: dict[int, tuple[int, int]] = field(default_factory=dict)
    # Where one more bulk and undo of each size spent their time: (statement, runs, seconds).
    heaviest: dict[int, list[tuple[str, int, float]]] = field(default_factory=dict)


def measure(target: Target, config: Config) -> BulkFigures:
    figures = BulkFigures()
    for size in config.bulk_sizes:
        project_id, candidate_ids = project_of(target, size, name=f"Bench bulk {size:,}")
        rows = floor_rows(target, project_id, candidate_ids)
        log, undo, floor, clone_floor = [], [], [], []
        for _ in range(config.runs):
            target.settle()
            seconds, (batch_id, resolved) = timed(partial(_log, target, project_id, candidate_ids))
            log.append(seconds)
            figures.resolved[size] = resolved
            target.settle()
            undo.append(timed(partial(_undo, target, batch_id))[0])
            target.settle()
            floor.append(floor_seconds(target, rows))
            target.settle()
            clone_floor.append(clone_floor_seconds(target, rows))
        figures.log[size], figures.undo[size] = Timings(tuple(log)), Timings(tuple(undo))
        figures.floor[size] = Timings(tuple(floor))
        figures.clone_floor[size] = Timings(tuple(clone_floor))
        with recorded(*target.db.engines) as seen:
            batch_id, _ = _log(target, project_id, candidate_ids)
            _undo(target, batch_id)
        figures.heaviest[size] = heaviest(seen, 4)
    return figures


def project_of(target: Target, size: int, *, name: str) -> tuple[int, list[int]]:
    """A new project holding `size` candidates of the team (the first ones), a bulk's scope."""
    with target.db.unit_of_work() as session:
        project = Project(team_id=target.team_id, name=name)
        session.add(project)
        session.flush()
        ids = list(
            session.scalars(
                select(Candidate.id)
                .where(Candidate.team_id == target.team_id)
                .order_by(Candidate.id)
                .limit(size)
            )
        )
        added = _stored(now())
        members = [(project.id, candidate_id, added) for candidate_id in ids]
        columns = ["project_id", "candidate_id", "added_at"]
        write_rows(session, ProjectCandidate.__tablename__, columns, members)
        return project.id, ids


def _log(target: Target, project_id: int, candidate_ids: list[int]) -> tuple[int, tuple[int, int]]:
    """One bulk request's work: these candidates of the project get an InMail each."""
    with target.db.unit_of_work() as session:
        actor = session.get_one(User, target.admin_id)
        data = BulkCreate(candidate_ids=candidate_ids, channel=Channel.inmail, note=NOTE)
        result = log_bulk(session, actor=actor, project_id=project_id, data=data)
    return result.batch_id, (result.initial, result.follow_up)


def _undo(target: Target, batch_id: int) -> None:
    with target.db.unit_of_work() as session:
        undo_batch(session, actor=session.get_one(User, target.admin_id), batch_id=batch_id)


def floor_rows(
    target: Target, project_id: int, candidate_ids: list[int]
) -> list[tuple[object, ...]]:
    """The rows a bulk InMail writes, as the driver would be given them."""
    with target.db.unit_of_work(write=False) as session:
        zone = session.get_one(User, target.admin_id).team.time_zone
    moment = now()
    at = _stored(moment)
    day = local_day(moment, zone).isoformat()
    outreach = (Kind.outreach.value, Channel.inmail.value, Designation.follow_up.value)
    return [
        (
            target.team_id,
            candidate_id,
            *outreach,
            DesignationMode.auto.value,
            None,
            NOTE,
            at,
            day,
            project_id,
            target.admin_id,
            None,
            target.admin_id,
            at,
            Source.manual.value,
        )
        for candidate_id in candidate_ids
    ]


def floor_seconds(target: Target, rows: list[tuple[object, ...]]) -> float:
    """The rows written by the driver alone (COPY, or executemany) in one transaction, commit
    included; then removed, untimed."""
    with target.db.unit_of_work(write=False) as session:
        last_id = session.scalar(select(func.max(Touchpoint.id))) or 0

    def write() -> None:
        with target.db.unit_of_work() as session:
            write_rows(session, Touchpoint.__tablename__, TOUCHPOINT_COLUMNS, rows)

    seconds, _ = timed(write)
    with target.db.unit_of_work() as session:
        session.execute(delete(Touchpoint).where(Touchpoint.id > last_id))
    return seconds


# The empty table of the clone floor.
CLONE = "bench_touchpoint_clone"


def clone_floor_seconds(target: Target, rows: list[tuple[object, ...]]) -> float:
    """The rows written by the driver alone, as in `floor_seconds`, into an empty table made
    like the touchpoint table (its columns, defaults, checks and indexes; no foreign keys, no
    rows: PostgreSQL's `CREATE TABLE ... (LIKE touchpoint INCLUDING ALL)`), made and dropped
    untimed: what writing the rows costs before the table's size and its references."""
    with target.db.unit_of_work() as session:
        _create_clone(session, target.key)

    def write() -> None:
        with target.db.unit_of_work() as session:
            write_rows(session, CLONE, TOUCHPOINT_COLUMNS, rows)

    seconds, _ = timed(write)
    with target.db.unit_of_work() as session:
        session.execute(text(f'DROP TABLE "{CLONE}"'))
    return seconds


def _create_clone(session: Session, key: str) -> None:
    if key == "postgresql":
        session.execute(text(f'CREATE TABLE "{CLONE}" (LIKE touchpoint INCLUDING ALL)'))
        return
    # SQLite has no LIKE: the same table from the model, its indexes renamed (index names are
    # the database's), its foreign keys left out.
    real = Touchpoint.__table__
    assert isinstance(real, Table)
    # The database's own defaults (the migrations', which the model may give in Python only).
    defaults = {
        row[1]: row[4]
        for row in session.execute(text("PRAGMA table_info(touchpoint)"))
        if row[4] is not None
    }
    columns = [
        Column(
            c.name,
            c.type,
            primary_key=c.primary_key,
            nullable=c.nullable,
            server_default=text(defaults[c.name]) if c.name in defaults else None,
        )
        for c in real.columns
    ]
    checks = [
        CheckConstraint(c.sqltext, name=f"{CLONE}_{c.name}")
        for c in real.constraints
        if isinstance(c, CheckConstraint)
    ]
    clone = Table(CLONE, MetaData(), *columns, *checks)
    for index in real.indexes:
        Index(
            f"{CLONE}_{index.name}",
            *(clone.c[c.name] for c in index.columns),
            **dict(index.dialect_kwargs),
        )
    clone.create(session.connection())


def _stored(instant: datetime) -> str:
    """A timestamp as both databases store it (naive UTC)."""
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def render(figures: dict[str, BulkFigures], config: Config) -> str:
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    lines = [
        "SPEC §6: 10,000 candidates in one bulk request well under a second, within a small "
        "factor of inserting the same rows with the driver alone. "
        "`log_bulk` for every candidate of a project, named by id (what `POST "
        "/projects/{id}/touchpoints/bulk` does, HTTP aside), on the seeded team: each candidate "
        "has a history already, so Auto resolves against it (initial or follow-up), and each "
        "candidate's latest thread is extended or a new one started. Then `undo_batch` of that "
        "batch, which leaves the rows deleted: every run (and the API section after this one, "
        "on the same candidates) logs after the deleted rows of the runs before. Beside them, "
        "the floors: the same rows written by the driver alone (COPY / executemany) in one "
        "transaction, into the touchpoint table (*driver floor*) and into an empty table made "
        "like it (*empty-clone floor*: its columns, checks and indexes, no foreign keys, no "
        "rows; PostgreSQL's `CREATE TABLE ... (LIKE touchpoint INCLUDING ALL)`, made and dropped "
        f"untimed). {config.runs} runs each, commit "
        "included; milliseconds, median / p95 / max. Before each timed action, SQLite's "
        "write-ahead log is copied back into the file, untimed (the app does it in the "
        "background after each commit, `kit/wal.py`): each action, and the floor, starts with "
        "an empty log.",
        "",
        "| candidates | database | log_bulk | undo | driver floor | empty-clone floor "
        "| log_bulk / floor | clone: log_bulk / floor |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in config.bulk_sizes:
        for key, f in figures.items():
            log, undo, floor, clone = f.log[size], f.undo[size], f.floor[size], f.clone_floor[size]
            lines.append(
                f"| {size:,} | {names[key]} | {_three(log)} | {_three(undo)} | {_three(floor)} "
                f"| {_three(clone)} | {log.median_ms / floor.median_ms:.1f} x "
                f"| {log.median_ms / clone.median_ms:.1f} x |"
            )
    lines += [
        "",
        "Where the time goes: the statements one more bulk and its undo spent longest in "
        "(seconds in all, and how many times each ran).",
    ]
    for size in config.bulk_sizes:
        for key, f in figures.items():
            lines += ["", f"*{size:,} candidates, {names[key]}*", ""]
            lines += [
                f"- {seconds:.2f} s, {runs}x: `{sql}`" for sql, runs, seconds in f.heaviest[size]
            ]
    return "\n".join(lines)


def _three(t: Timings) -> str:
    return f"{ms(t.median_ms)} / {ms(t.p95_ms)} / {ms(t.max_ms)}"
