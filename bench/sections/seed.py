"""Seeding: the synthetic generator's time and throughput, phase by phase."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import select

from bench.config import SEED, TEAM, TIME_ZONE, Config
from bench.targets import Target
from reachout.models import User
from reachout.models.enums import Role
from reachout.synthetic.service import SeedSummary, seed_synthetic

TITLE = "Seeding"


@dataclass
class SeedFigures:
    summary: SeedSummary
    seconds: float
    # Seconds from the start to the end of each phase, in order.
    phases: dict[str, float] = field(default_factory=dict)
    vacuum_seconds: float | None = None


def measure(target: Target, config: Config) -> SeedFigures:
    phases: dict[str, float] = {}
    started = time.perf_counter()

    def progress(what: str, done: int, total: int) -> None:
        if done == total:
            phases[what] = time.perf_counter() - started

    with target.db.unit_of_work() as session:
        summary = seed_synthetic(
            session,
            team_name=TEAM,
            candidates=config.candidates,
            touchpoints=config.touchpoints,
            seed=SEED,
            time_zone=TIME_ZONE,
            progress=progress,
        )
    figures = SeedFigures(summary, time.perf_counter() - started, phases)
    phases["Commit"] = figures.seconds
    target.team_id = summary.team_id
    with target.db.unit_of_work(write=False) as session:
        admin = session.scalar(
            select(User.id)
            .where(User.team_id == summary.team_id, User.role == Role.admin.value)
            .order_by(User.id)
            .limit(1)
        )
    assert admin is not None  # a seeded team always has its admin
    target.admin_id = admin
    # What autovacuum does within a minute of a bulk load: the visibility map (index-only
    # scans) and fresh statistics. Measured separately, outside the seed.
    figures.vacuum_seconds = target.vacuum()
    return figures


def render(figures: dict[str, SeedFigures], config: Config) -> str:
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    phase_names = list(dict.fromkeys(p for f in figures.values() for p in f.phases))
    lines = [
        f"`reachout seed synthetic` (`seed_synthetic`), {config.candidates:,} candidates and "
        f"{config.touchpoints:,} touchpoints over 365 days, seed {SEED}, in one transaction "
        "(commit included); the target is well under a minute. Seconds from the start to the "
        "end of each phase:",
        "",
        "| | " + " | ".join(names[k] for k in figures) + " |",
        "| --- | " + " | ".join("---:" for _ in figures) + " |",
    ]
    for phase in phase_names:
        cells = [f"{f.phases[phase]:.1f}" if phase in f.phases else "" for f in figures.values()]
        lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    rows = {
        "**Total, s**": [f"**{f.seconds:.1f}**" for f in figures.values()],
        "Touchpoints / s": [f"{f.summary.touchpoints / f.seconds:,.0f}" for f in figures.values()],
        "Threads derived": [f"{f.summary.threads:,}" for f in figures.values()],
    }
    for label, cells in rows.items():
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    vacuums = {k: f.vacuum_seconds for k, f in figures.items() if f.vacuum_seconds is not None}
    if vacuums:
        lines += [
            "",
            "After seeding, PostgreSQL gets a `VACUUM (ANALYZE)` (what autovacuum does a minute "
            "after a bulk load: index-only scans need the visibility map), "
            + ", ".join(f"{v:.1f} s" for v in vacuums.values())
            + ", not counted above. SQLite is measured as the app leaves it (no `ANALYZE`).",
        ]
    return "\n".join(lines)
