"""`reachout seed synthetic`: a team filled with generated outreach, for trying things at scale."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from reachout.db import Database
from reachout.synthetic.service import SeedSummary, seed_synthetic


def register(
    app: typer.Typer,
    *,
    database: Callable[[], AbstractContextManager[Database]],
    console: Console,
) -> None:
    """Mount `reachout seed` on the root command; progress bars go to `console` (stderr)."""
    seed_app = typer.Typer(help="Fill the database with generated data.", no_args_is_help=True)
    app.add_typer(seed_app, name="seed")

    @seed_app.command("synthetic")
    def synthetic(
        team: Annotated[str, typer.Option(help="The team's name (created if missing).")],
        candidates: Annotated[int, typer.Option(help="Candidates to add.", min=0)],
        touchpoints: Annotated[int, typer.Option(help="Touchpoints to add.", min=0)],
        users: Annotated[int, typer.Option(help="Team members (at least).", min=1)] = 5,
        projects: Annotated[int, typer.Option(help="Projects to add.", min=0)] = 20,
        days: Annotated[int, typer.Option(help="Spread over this many days.", min=1)] = 365,
        seed: Annotated[int | None, typer.Option(help="Random seed (default: random).")] = None,
        time_zone: Annotated[
            str, typer.Option(help="A new team's IANA time zone.")
        ] = "America/New_York",
    ) -> None:
        """Add generated candidates, projects and a year of touchpoints to a team."""
        started = time.perf_counter()
        with database() as db, _progress_bar(console) as report, db.unit_of_work() as session:
            summary = seed_synthetic(
                session,
                team_name=team,
                candidates=candidates,
                touchpoints=touchpoints,
                users=users,
                projects=projects,
                days=days,
                seed=seed,
                time_zone=time_zone,
                progress=report,
            )
        typer.echo(_summary_line(summary, seconds=time.perf_counter() - started))
        if summary.password:
            typer.echo(f"Password of the users created: {summary.password}")


@contextmanager
def _progress_bar(console: Console) -> Iterator[Callable[[str, int, int], None]]:
    """One bar per phase of the seed, on the console (if a terminal), gone when it is done."""
    bar = Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    tasks: dict[str, TaskID] = {}

    def report(what: str, done: int, total: int) -> None:
        if what not in tasks:
            tasks[what] = bar.add_task(what, total=total)
        bar.update(tasks[what], completed=done, total=total)

    with bar:
        yield report


def _summary_line(summary: SeedSummary, *, seconds: float) -> str:
    rate = summary.touchpoints / seconds if seconds > 0 else 0.0
    users = f"{summary.users:,} user" + ("" if summary.users == 1 else "s")
    return (
        f"Seeded team {summary.team_name!r} (id {summary.team_id}, {summary.time_zone}): "
        f"{summary.candidates:,} candidates, {summary.projects:,} projects, "
        f"{summary.touchpoints:,} touchpoints, {summary.threads:,} threads, "
        f"{users}, seed {summary.seed}, in {seconds:.1f} s "
        f"({rate:,.0f} touchpoints/s)."
    )
