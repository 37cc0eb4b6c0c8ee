"""A demo team with three recruiters, four projects, ~200 candidates and three months of outreach.

The data is drawn from a seeded random generator, so every demo looks the same apart from its
dates, which end today. Touchpoints go through the touchpoint service, so their designations are
resolved exactly as if a recruiter had logged them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reachout.candidates.service import email_keys, linkedin_key
from reachout.kit.time import now
from reachout.models import (
    Candidate,
    CandidateEmail,
    Project,
    ProjectCandidate,
    Team,
    Touchpoint,
    User,
)
from reachout.models.enums import Channel, DesignationChoice, Kind, ReplyStatus, Role
from reachout.sequences.demo import load_sequences
from reachout.teams import service as teams
from reachout.touchpoints.schemas import TouchpointCreate
from reachout.touchpoints.service import log_touchpoint
from reachout.users import service as users

TEAM_NAME = "Demo Recruiting"
TIME_ZONE = "America/New_York"
PASSWORD = "reachout-demo"
SEED = 20240601
HISTORY_DAYS = 90

# (email, name, role): the first is the admin whose sign-in details `serve --demo` prints.
RECRUITERS = [
    ("alex.morgan@demo.example.com", "Alex Morgan", Role.admin),
    ("jordan.lee@demo.example.com", "Jordan Lee", Role.member),
    ("sam.rivera@demo.example.com", "Sam Rivera", Role.member),
]

# Project name, description, the titles its candidates hold, how many candidates it sources.
PROJECTS = [
    (
        "Senior Backend Engineer",
        "Python/Go services for the payments platform. Remote (US).",
        ["Senior Software Engineer", "Backend Engineer", "Staff Engineer", "Platform Engineer"],
        60,
    ),
    (
        "Staff Frontend Engineer",
        "Lead the design system and the web app's performance work.",
        ["Senior Frontend Engineer", "UI Engineer", "Staff Software Engineer", "Web Developer"],
        50,
    ),
    (
        "Engineering Manager, Platform",
        "Manage the 7-person infrastructure team. Hybrid, New York.",
        ["Engineering Manager", "Tech Lead", "Senior Engineering Manager", "Head of Platform"],
        45,
    ),
    (
        "Product Designer",
        "End-to-end product design for the recruiter workspace.",
        ["Product Designer", "Senior UX Designer", "Interaction Designer", "Design Lead"],
        45,
    ),
]

# Word lists kept as text: one name per line would make this file mostly names.
FIRST_NAMES = (  # noqa: SIM905
    "Aisha Ana Andre Ben Carlos Chen Chloe Daniel Diego Elena Emily Fatima Grace Hannah Hiro "
    "Isabel Ivan Jamal Jin Julia Kai Kavya Laura Leo Lucas Maya Mei Mohammed Nadia Noah Olivia "
    "Omar Priya Rafael Rosa Ryan Sara Sofia Tariq Tom Uma Victor Wei Yara Zoe"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Adams Ahmed Alvarez Bauer Brooks Carter Chen Cohen Diaz Dubois Evans Fischer Garcia Gupta "
    "Hansen Hughes Ito Jensen Kim Kowalski Lopez Martin Mehta Moreau Murphy Nakamura Nguyen "
    "Novak Okafor Olsen Patel Park Quinn Reyes Rossi Schmidt Singh Sullivan Tanaka Torres "
    "Walsh Weber Wong Yilmaz Zhang"
).split()
COMPANIES = [
    "Northwind Labs",
    "Bluefin Analytics",
    "Cobalt Health",
    "Lumen Robotics",
    "Harbor Payments",
    "Fernway",
    "Quarry Data",
    "Tidewater Logistics",
    "Parcel & Pine",
    "Brightline Energy",
    "Mosaic Learning",
    "Sable Security",
    "Orchard Retail",
    "Kestrel Cloud",
    "Juniper Insurance",
    "Atlas Mobility",
]
LOCATIONS = [
    "New York, NY",
    "Brooklyn, NY",
    "Boston, MA",
    "Philadelphia, PA",
    "Austin, TX",
    "Chicago, IL",
    "Denver, CO",
    "Seattle, WA",
    "San Francisco, CA",
    "Atlanta, GA",
    "Toronto, ON",
    "Remote",
]
CHANNEL_WEIGHTS = {Channel.inmail: 40, Channel.email: 25, Channel.text: 20, Channel.call: 15}
STATUS_WEIGHTS = {
    ReplyStatus.interested: 40,
    ReplyStatus.not_interested: 30,
    ReplyStatus.later: 20,
    None: 10,
}
OUTREACH_NOTES = {
    Channel.inmail: ["Intro to the role and the team", "Shared the job description"],
    Channel.email: ["Sent the role summary and salary band", "Personal note on their talk"],
    Channel.text: ["Quick check-in", "Asked for a good time to talk"],
    Channel.call: ["Left a voicemail", "No answer", "Spoke briefly, sending details"],
}
REPLY_NOTES = {
    ReplyStatus.interested: ["Keen to chat this week", "Sent availability for a screen"],
    ReplyStatus.not_interested: ["Happy where they are", "Not looking to relocate"],
    ReplyStatus.later: ["Ping again next quarter", "After their current launch"],
    None: ["Asked about the compensation range"],
}


@dataclass(frozen=True)
class DemoCredentials:
    team_name: str
    email: str
    password: str
    token: str
    candidates: int
    projects: int
    touchpoints: int
    sequences_sent: int


T = TypeVar("T")

# Called with (touchpoints logged, touchpoints to log) as the demo fills in.
Progress = Callable[[int, int], None]


def load_demo_if_empty(
    session: Session, *, progress: Progress | None = None
) -> DemoCredentials | None:
    """The demo, unless the database has a team already (then nothing is written)."""
    if session.scalar(select(Team.id).limit(1)) is not None:
        return None
    return load_demo(session, progress=progress)


def load_demo(session: Session, *, progress: Progress | None = None) -> DemoCredentials:
    rng = random.Random(SEED)
    team, staff = _create_team(session)
    projects = _create_projects(session, team=team, admin=staff[0])
    candidates = _create_candidates(session, rng, team=team, projects=projects)
    plan = _plan_touchpoints(rng, candidates=candidates, staff=staff, until=now())
    first_touch: dict[int, datetime] = {}
    for done, (actor, data) in enumerate(plan, start=1):
        log_touchpoint(session, actor=actor, data=data)
        first_touch.setdefault(data.candidate_id, _at(data))
        if progress is not None:
            progress(done, len(plan))
    # Candidates were "added" a little before anyone reached out to them.
    for candidate, _ in candidates:
        if candidate.id in first_touch:
            candidate.created_at = first_touch[candidate.id] - timedelta(days=rng.randint(1, 10))
    sent = load_sequences(session, rng, staff=staff, projects=projects, until=now())
    _, token = users.create_token(session, user=staff[0], label="demo")
    session.flush()
    return DemoCredentials(
        team_name=team.name,
        email=staff[0].email,
        password=PASSWORD,
        token=token,
        candidates=len(candidates),
        projects=len(projects),
        touchpoints=session.scalar(
            select(func.count()).select_from(Touchpoint).where(Touchpoint.team_id == team.id)
        )
        or 0,
        sequences_sent=sent,
    )


def _create_team(session: Session) -> tuple[Team, list[User]]:
    (admin_email, admin_name, _), *members = RECRUITERS
    team, admin = teams.create_team(
        session,
        name=TEAM_NAME,
        admin_email=admin_email,
        admin_name=admin_name,
        admin_password=PASSWORD,
        time_zone=TIME_ZONE,
    )
    staff = [admin]
    for email, name, role in members:
        staff.append(
            users.add_user(
                session, team=team, email=email, name=name, role=role, password=PASSWORD, actor=None
            )
        )
    return team, staff


def _create_projects(session: Session, *, team: Team, admin: User) -> list[Project]:
    projects = [
        Project(team_id=team.id, name=name, description=description, created_by_id=admin.id)
        for name, description, _, _ in PROJECTS
    ]
    session.add_all(projects)
    session.flush()
    return projects


def _create_candidates(
    session: Session, rng: random.Random, *, team: Team, projects: list[Project]
) -> list[tuple[Candidate, Project]]:
    """Each project's candidates, with the project each was sourced for; some are in two."""
    names = _unique_names(rng, sum(size for *_, size in PROJECTS))
    sourced: list[tuple[Candidate, Project]] = []
    for project, (_, _, titles, size) in zip(projects, PROJECTS, strict=True):
        for _ in range(size):
            sourced.append((_candidate(rng, team=team, name=names.pop(), titles=titles), project))
    session.add_all(c for c, _ in sourced)
    session.flush()
    links = {(p.id, c.id) for c, p in sourced}
    for candidate, _ in rng.sample(sourced, k=len(sourced) // 6):
        links.add((rng.choice(projects).id, candidate.id))
    session.add_all(ProjectCandidate(project_id=p, candidate_id=c) for p, c in sorted(links))
    session.flush()
    return sourced


def _unique_names(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        names.add(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
    ordered = sorted(names)
    rng.shuffle(ordered)
    return ordered


def _candidate(rng: random.Random, *, team: Team, name: str, titles: list[str]) -> Candidate:
    first, last = name.lower().split()
    company = rng.choice(COMPANIES)
    domain = company.lower().replace(" & ", "").replace(" ", "") + ".example"
    slug = f"{first}-{last}-{rng.randrange(16**4):04x}"
    linkedin = f"https://www.linkedin.com/in/{slug}"
    # Addresses and numbers are in reserved ranges (.example, 555-01xx): nobody real is reached.
    emails = [f"{first}.{last}.{slug[-4:]}@example.com"]
    if rng.random() < 0.4:
        emails.append(f"{first}.{last}@{domain}")
    candidate = Candidate(
        team_id=team.id,
        name=name,
        phone=f"+1 212 555 01{rng.randrange(100):02d}" if rng.random() < 0.6 else None,
        linkedin_url=linkedin,
        linkedin_key=linkedin_key(linkedin),
        title=rng.choice(titles),
        company=company,
        location=rng.choice(LOCATIONS),
    )
    candidate.emails = [
        CandidateEmail(team_id=team.id, email=address, email_key=key, position=i)
        for i, (key, address) in enumerate(email_keys(emails).items())
    ]
    return candidate


def _plan_touchpoints(
    rng: random.Random,
    *,
    candidates: list[tuple[Candidate, Project]],
    staff: list[User],
    until: datetime,
) -> list[tuple[User, TouchpointCreate]]:
    """Every candidate's history, merged in time order (the order a team would log it)."""
    plan: list[tuple[User, TouchpointCreate]] = []
    for candidate, project in candidates:
        if rng.random() < 0.85:
            plan.extend(
                _history(rng, candidate=candidate, project=project, staff=staff, until=until)
            )
    plan.sort(key=lambda item: (_at(item[1]), item[1].candidate_id))
    return plan


def _history(
    rng: random.Random,
    *,
    candidate: Candidate,
    project: Project,
    staff: list[User],
    until: datetime,
) -> list[tuple[User, TouchpointCreate]]:
    """One thread: a first outreach, up to three follow-ups, and perhaps a reply."""
    # Most of a project's outreach is done by the recruiter who owns it.
    recruiter = staff[project.id % len(staff)] if rng.random() < 0.7 else rng.choice(staff)
    days_ago = [rng.randint(2, HISTORY_DAYS - 1)]
    for _ in range(rng.choices([0, 1, 2, 3], weights=[3, 4, 2, 1])[0]):
        later = days_ago[-1] - rng.randint(2, 8)
        if later < 1:
            break
        days_ago.append(later)
    replied_after = rng.randrange(len(days_ago)) if rng.random() < 0.27 else None
    if replied_after is not None:
        days_ago = days_ago[: replied_after + 1]

    def touch(kind: Kind, at: datetime, channel: Channel, note: str | None) -> TouchpointCreate:
        return TouchpointCreate(
            candidate_id=candidate.id,
            kind=kind,
            channel=channel,
            designation=DesignationChoice.auto if kind == Kind.outreach else None,
            reply_status=status if kind == Kind.reply else None,
            note=note,
            occurred_at=at,
            project_id=project.id,
            user_id=recruiter.id,
        )

    status = _weighted(rng, STATUS_WEIGHTS)
    channel = _weighted(rng, CHANNEL_WEIGHTS)
    history: list[TouchpointCreate] = []
    for i, day in enumerate(days_ago):
        if i and rng.random() < 0.3:
            channel = _weighted(rng, CHANNEL_WEIGHTS)
        note = rng.choice(OUTREACH_NOTES[channel]) if rng.random() < 0.35 else None
        at = _working_hours(rng, (until - timedelta(days=day)).date())
        history.append(touch(Kind.outreach, at, channel, note))
    if replied_after is not None:
        hours = timedelta(hours=rng.uniform(0.5, 72))
        at = min(_at(history[-1]) + hours, until - timedelta(minutes=5))
        note = rng.choice(REPLY_NOTES[status]) if rng.random() < 0.6 else None
        history.append(touch(Kind.reply, at, channel, note))
    return [(recruiter, data) for data in history]


def _at(data: TouchpointCreate) -> datetime:
    assert data.occurred_at is not None  # the demo always gives one
    return data.occurred_at


def _working_hours(rng: random.Random, day: date) -> datetime:
    """A moment between 8:00 and 18:00 on that day in the team's time zone, as UTC."""
    local = datetime.combine(day, time(8), tzinfo=ZoneInfo(TIME_ZONE))
    return (local + timedelta(minutes=rng.randrange(10 * 60))).astimezone(UTC)


def _weighted(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
