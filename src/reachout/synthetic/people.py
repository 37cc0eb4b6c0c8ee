"""Generated candidates (with emails), projects and who is in which, as rows to write."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from reachout.candidates.service import linkedin_key
from reachout.demo import COMPANIES, FIRST_NAMES, LAST_NAMES, LOCATIONS, PROJECTS

ROLES = [
    "Senior Backend Engineer",
    "Staff Frontend Engineer",
    "Engineering Manager, Platform",
    "Product Designer",
    "Data Engineer",
    "Site Reliability Engineer",
    "Mobile Engineer (iOS)",
    "Mobile Engineer (Android)",
    "Machine Learning Engineer",
    "Security Engineer",
    "Product Manager, Growth",
    "Technical Recruiter",
    "Solutions Architect",
    "QA Automation Engineer",
    "Head of Data",
    "Developer Advocate",
    "Principal Engineer",
    "Analytics Engineer",
    "Customer Success Manager",
    "VP of Engineering",
]
TITLES = sorted({title for _, _, titles, _ in PROJECTS for title in titles})
TWO_PROJECTS_CHANCE = 0.3
PHONE_CHANCE = 0.6
LINKEDIN_CHANCE = 0.85
WORK_EMAIL_CHANCE = 0.35
NEVER_CONTACTED_CHANCE = 0.08

CANDIDATE_COLUMNS = [
    "id",
    "team_id",
    "name",
    "phone",
    "linkedin_url",
    "linkedin_key",
    "title",
    "company",
    "location",
    "created_at",
    "updated_at",
]
EMAIL_COLUMNS = ["candidate_id", "team_id", "email", "email_key", "position"]
MEMBER_COLUMNS = ["project_id", "candidate_id", "added_at"]


def project_names(count: int, *, taken: set[str]) -> list[str]:
    """`count` role names not yet used by the team."""
    names: list[str] = []
    round_ = 1
    while len(names) < count:
        for role in ROLES:
            name = role if round_ == 1 else f"{role} ({round_})"
            if name not in taken and len(names) < count:
                names.append(name)
        round_ += 1
    return names


def memberships(rng: random.Random, project_ids: Sequence[int], count: int) -> list[list[int]]:
    """The projects of each of `count` candidates: one or two, popular projects more often."""
    if not project_ids:
        return [[] for _ in range(count)]
    popularity = list(accumulate(1 / (rank + 1) ** 0.6 for rank in range(len(project_ids))))
    out: list[list[int]] = []
    for _ in range(count):
        first = rng.choices(project_ids, cum_weights=popularity)[0]
        if len(project_ids) > 1 and rng.random() < TWO_PROJECTS_CHANCE:
            second = rng.choices(project_ids, cum_weights=popularity)[0]
            out.append([first] if second == first else [first, second])
        else:
            out.append([first])
    return out


def touchpoint_counts(rng: random.Random, *, total: int, candidates: int) -> list[int]:
    """How many touchpoints each candidate gets: `total` in all, a few candidates far more
    worked than most, some never contacted."""
    if candidates == 0:
        return []
    weights = [
        0.0 if rng.random() < NEVER_CONTACTED_CHANCE else rng.lognormvariate(0, 0.75)
        for _ in range(candidates)
    ]
    if not any(weights):
        weights = [1.0] * candidates
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    short = total - sum(counts)
    for index in rng.choices(range(candidates), weights=weights, k=short):
        counts[index] += 1
    return counts


@dataclass
class CandidateRows:
    candidates: list[tuple[Any, ...]]
    emails: list[tuple[Any, ...]]


def candidate_rows(
    rng: random.Random, *, team_id: int, ids: Sequence[int], created_at: Sequence[str]
) -> CandidateRows:
    """One candidate per id. Their email addresses and LinkedIn URLs carry the id, which no
    other candidate has, so they are unique in the team however often a team is seeded."""
    out = CandidateRows(candidates=[], emails=[])
    for candidate_id, created in zip(ids, created_at, strict=True):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = rng.choice(COMPANIES)
        url = key = None
        if rng.random() < LINKEDIN_CHANCE:
            url = f"https://www.linkedin.com/in/{first}-{last}-{candidate_id:x}".lower()
            key = linkedin_key(url)
        out.candidates.append(
            (
                candidate_id,
                team_id,
                f"{first} {last}",
                f"+1 212 555 01{rng.randrange(100):02d}" if rng.random() < PHONE_CHANCE else None,
                url,
                key,
                rng.choice(TITLES),
                company,
                rng.choice(LOCATIONS),
                created,
                created,
            )
        )
        # Reserved domains only (.example, example.com): nobody real is ever addressed.
        addresses = [f"{first}.{last}.{candidate_id}@example.com"]
        if rng.random() < WORK_EMAIL_CHANCE:
            domain = "".join(ch for ch in company.lower() if ch.isalnum())
            addresses.append(f"{first[0]}{last}{candidate_id}@{domain}.example")
        for position, address in enumerate(addresses):
            out.emails.append((candidate_id, team_id, address, address.lower(), position))
    return out
