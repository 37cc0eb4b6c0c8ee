"""`seed_synthetic`: a team filled with a year of generated, realistic outreach, fast.

Everything is planned in Python first (each candidate's history, designations resolved as
they are planned), then written with the driver alone in chunks (reachout.db.write_rows), the
touchpoints in the order they were logged. One set-based rebuild then derives the threads and
the activity counts (reachout.projection), which stay their owner's to write.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import accumulate
from operator import itemgetter
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachout.db import larger_page_cache, refresh_planner_statistics, write_rows
from reachout.demo import FIRST_NAMES, LAST_NAMES
from reachout.errors import Invalid
from reachout.kit.security import new_password
from reachout.kit.sql import lock_team_histories, reserve_ids
from reachout.kit.time import local_day, now
from reachout.models import (
    Base,
    Candidate,
    CandidateEmail,
    Project,
    ProjectCandidate,
    Team,
    Thread,
    Touchpoint,
    User,
)
from reachout.models.enums import Role
from reachout.projection.changes import rebuild_team
from reachout.synthetic import people
from reachout.synthetic.clock import DAY, ZoneClock, day_number, to_micros
from reachout.synthetic.driver import loading
from reachout.synthetic.histories import (
    CREATED_AT,
    TOUCHPOINT_COLUMNS,
    HistoryMaker,
    Period,
    Row,
    Staff,
)
from reachout.teams import service as team_service
from reachout.users import service as user_service

CHUNK = 20_000
# What a seed writes in bulk, whose planner statistics are stale afterwards.
LOADED_TABLES = tuple(
    model.__tablename__
    for model in (Candidate, CandidateEmail, ProjectCandidate, Touchpoint, Thread)
)

# Called with (what is being done, done so far, out of).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SeedSummary:
    team_id: int
    team_name: str
    time_zone: str
    team_created: bool
    # The password of the users created now (all share it), or None if none was created.
    password: str | None
    users: int
    projects: int
    candidates: int
    touchpoints: int
    threads: int
    seed: int


def seed_synthetic(
    session: Session,
    *,
    team_name: str,
    candidates: int,
    touchpoints: int,
    users: int = 5,
    projects: int = 20,
    days: int = 365,
    seed: int | None = None,
    time_zone: str = "America/New_York",
    progress: Progress | None = None,
) -> SeedSummary:
    """Add generated candidates, projects and touchpoints to a team (created if missing)."""
    _check(candidates=candidates, touchpoints=touchpoints, users=users, days=days)
    report = progress or _silent
    seed = random.SystemRandom().randrange(2**32) if seed is None else seed
    rng = random.Random(seed)
    team, staff, password, created = _team_with_users(
        session, rng, name=team_name, users=users, time_zone=time_zone
    )
    # Seeding writes many histories of the team: no single log may decide a designation on a
    # history this transaction is still writing.
    lock_team_histories(session, team_id=team.id)
    clock, period = _period(team, days=days)
    project_ids = _create_projects(session, team=team, staff=staff, count=projects)
    maker = HistoryMaker(
        rng, team_id=team.id, clock=clock, period=period, staff=_staff(rng, staff, project_ids)
    )
    report("Creating the team", 1, 1)
    plan = _plan(
        session,
        rng,
        maker,
        project_ids,
        candidates=candidates,
        touchpoints=touchpoints,
        report=report,
    )
    with larger_page_cache(session):
        _write(session, rng, team=team, clock=clock, period=period, plan=plan, report=report)
        report("Rebuilding threads", 0, 1)
        rebuild_team(session, team_id=team.id)
        refresh_planner_statistics(session, LOADED_TABLES)
        report("Rebuilding threads", 1, 1)
    threads = session.scalar(select(func.count()).where(Thread.team_id == team.id))
    return SeedSummary(
        team_id=team.id,
        team_name=team.name,
        time_zone=team.time_zone,
        team_created=created,
        password=password,
        users=len(staff),
        projects=len(project_ids),
        candidates=candidates,
        touchpoints=touchpoints,
        threads=threads or 0,
        seed=seed,
    )


@dataclass
class _Plan:
    """Everything to write, by candidate index: ids, projects, first touch; and the rows."""

    ids: list[int]
    member_of: list[list[int]]
    first_touch: list[int | None]
    rows: list[Row]


def _plan(
    session: Session,
    rng: random.Random,
    maker: HistoryMaker,
    project_ids: list[int],
    *,
    candidates: int,
    touchpoints: int,
    report: Progress,
) -> _Plan:
    counts = people.touchpoint_counts(rng, total=touchpoints, candidates=candidates)
    plan = _Plan(
        ids=reserve_ids(session, Candidate.__tablename__, candidates),
        member_of=people.memberships(rng, project_ids, candidates),
        first_touch=[],
        rows=[],
    )
    for index, count in enumerate(counts):
        history, first_at = maker.history(plan.ids[index], plan.member_of[index], count)
        plan.first_touch.append(first_at)
        plan.rows.extend(history)
        if index % 2000 == 1999 or index == candidates - 1:
            report("Planning histories", index + 1, candidates)
    return plan


def _write(
    session: Session,
    rng: random.Random,
    *,
    team: Team,
    clock: ZoneClock,
    period: Period,
    plan: _Plan,
    report: Progress,
) -> None:
    count = len(plan.ids)
    tables: dict[type[Base], int] = {
        Candidate: count,
        CandidateEmail: count,
        ProjectCandidate: count,
        Touchpoint: len(plan.rows),
    }
    with loading(session, tables):
        _write_candidates(
            session, rng, team=team, clock=clock, period=period, plan=plan, report=report
        )
        _write_touchpoints(session, rows=plan.rows, report=report)
        plan.rows.clear()
        report("Building indexes", 0, 1)
    report("Building indexes", 1, 1)


def _silent(what: str, done: int, total: int) -> None:
    pass


def _check(*, candidates: int, touchpoints: int, users: int, days: int) -> None:
    if candidates < 0:
        raise Invalid.on("candidates", "cannot be negative")
    if touchpoints < 0:
        raise Invalid.on("touchpoints", "cannot be negative")
    if touchpoints and not candidates:
        raise Invalid.on("candidates", "touchpoints need at least one candidate")
    if users < 1:
        raise Invalid.on("users", "a team needs at least one user")
    if days < 1:
        raise Invalid.on("days", "the period must be at least one day")


def _team_with_users(
    session: Session, rng: random.Random, *, name: str, users: int, time_zone: str
) -> tuple[Team, list[User], str | None, bool]:
    """The team (created if missing) with at least `users` active users, the password of the
    users created now (None if none was), and whether the team was created."""
    password = new_password()
    team = session.scalar(select(Team).where(Team.name == name.strip()))
    created = team is None
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "team"
    if team is None:
        team, _ = team_service.create_team(
            session,
            name=name,
            admin_email=f"admin@{slug}.example.com",
            admin_name=_person(rng),
            admin_password=password,
            time_zone=time_zone,
        )
    staff = list(
        session.scalars(
            select(User).where(User.team_id == team.id, User.is_active).order_by(User.id)
        )
    )
    added = 0
    number = len(staff)
    while len(staff) < users:
        number += 1
        email = f"recruiter{number}@{slug}.example.com"
        if session.scalar(select(User.id).where(User.email == email)) is not None:
            continue
        staff.append(
            user_service.add_user(
                session,
                team=team,
                email=email,
                name=_person(rng),
                role=Role.member,
                password=password,
                actor=None,
            )
        )
        added += 1
    return team, staff, password if created or added else None, created


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _period(team: Team, *, days: int) -> tuple[ZoneClock, Period]:
    """The `days` local days before today (today is left out: it is not over yet)."""
    moment = now()
    today = local_day(moment, team.time_zone)
    end = datetime.combine(today, time(0), tzinfo=ZoneInfo(team.time_zone))
    clock = ZoneClock(team.time_zone, start=end - timedelta(days=days), end=moment)
    period = Period(
        first_day=day_number(today) - days,
        days=days,
        end=to_micros(end),
        now=to_micros(moment),
        reengage_after_days=team.reengage_after_days,
    )
    return clock, period


def _create_projects(session: Session, *, team: Team, staff: list[User], count: int) -> list[int]:
    taken = set(session.scalars(select(Project.name).where(Project.team_id == team.id)))
    made = [
        Project(
            team_id=team.id,
            name=name,
            description=f"Sourcing list for the {name} opening.",
            created_by_id=staff[i % len(staff)].id,
            created_at=now() - timedelta(days=400),
        )
        for i, name in enumerate(people.project_names(count, taken=taken))
    ]
    session.add_all(made)
    session.flush()
    return [project.id for project in made]


def _staff(rng: random.Random, staff: list[User], project_ids: list[int]) -> Staff:
    """Some recruiters log more than others; each project's creator owns its outreach."""
    weights = [rng.uniform(0.4, 1.6) for _ in staff]
    return Staff(
        user_ids=[user.id for user in staff],
        user_cum_weights=list(accumulate(weights)),
        project_owner={pid: staff[i % len(staff)].id for i, pid in enumerate(project_ids)},
    )


def _write_candidates(
    session: Session,
    rng: random.Random,
    *,
    team: Team,
    clock: ZoneClock,
    period: Period,
    plan: _Plan,
    report: Progress,
) -> None:
    """The candidates, with their emails and memberships. A candidate was added days before
    anyone first reached out; one never contacted, on any day of the period."""
    start = clock.to_utc(period.first_day, 0)
    span = period.end - start
    stamp, ids = clock.stamp, plan.ids
    for first in range(0, len(ids), CHUNK):
        batch = range(first, min(first + CHUNK, len(ids)))
        added = [stamp(_added(rng, plan.first_touch[i], start=start, span=span)) for i in batch]
        made = people.candidate_rows(
            rng, team_id=team.id, ids=ids[first : first + CHUNK], created_at=added
        )
        members = [
            (p, ids[i], at) for i, at in zip(batch, added, strict=True) for p in plan.member_of[i]
        ]
        write_rows(session, Candidate.__tablename__, people.CANDIDATE_COLUMNS, made.candidates)
        write_rows(session, CandidateEmail.__tablename__, people.EMAIL_COLUMNS, made.emails)
        write_rows(session, ProjectCandidate.__tablename__, people.MEMBER_COLUMNS, members)
        report("Writing candidates", batch.stop, len(ids))


def _added(rng: random.Random, first_touch: int | None, *, start: int, span: int) -> int:
    if first_touch is None:
        return start + int(rng.random() * span)
    return first_touch - int((1 + 29 * rng.random()) * DAY)


def _write_touchpoints(session: Session, *, rows: list[Row], report: Progress) -> None:
    # In the order they were logged, so ids increase with created_at as they would in use.
    rows.sort(key=itemgetter(CREATED_AT))
    for first in range(0, len(rows), CHUNK):
        chunk = rows[first : first + CHUNK]
        write_rows(session, Touchpoint.__tablename__, TOUCHPOINT_COLUMNS, chunk)
        report("Writing touchpoints", first + len(chunk), len(rows))
