"""`reachout import candidates|touchpoints FILE --team NAME ...`: the import service from the
command line, with a progress bar while the file is read and written and a summary table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
from rich.table import Table

from reachout.db import Database
from reachout.errors import Invalid, ReachoutError
from reachout.projects import service as projects
from reachout.teams.service import get_team_by_name
from reachout.transfer import candidate_import, touchpoint_import
from reachout.transfer.candidate_import import Progress as ProgressCallback
from reachout.transfer.schemas import LineErrors
from reachout.users.service import acting_member

T = TypeVar("T")

# Lines with errors the summary spells out; the count says how many more there are.
SHOWN_ERRORS = 20


# The options both imports take.
TeamName = Annotated[str, typer.Option(help="The team's name.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Say what would happen; write nothing.")]
SkipInvalid = Annotated[
    bool, typer.Option("--skip-invalid", help="Import the valid rows and report the others.")
]
ActingUser = Annotated[
    str | None,
    typer.Option(help="The member the import is recorded as (default: the first admin)."),
]


class HistoryFormat(StrEnum):
    gem = "gem"


def register(
    app: typer.Typer,
    *,
    database: Callable[[], AbstractContextManager[Database]],
    console: Console,
) -> None:
    """Mount `reachout import` on the root command."""
    group = typer.Typer(help="Import candidates or touchpoint history from CSV.")
    app.add_typer(group, name="import", no_args_is_help=True)

    @group.command("candidates")
    def candidates(
        file: Annotated[Path, typer.Argument(metavar="FILE", help="A CSV file with a header row.")],
        team: TeamName,
        project: Annotated[
            str | None, typer.Option(help="Add every row's candidate to this project.")
        ] = None,
        dry_run: DryRun = False,
        skip_invalid: SkipInvalid = False,
        user: ActingUser = None,
    ) -> None:
        """Import candidates from CSV (SPEC §7): matched by email or LinkedIn URL, all or none."""
        data = _read(file)
        with database() as db, db.unit_of_work() as session, _progress(console) as progress:
            the_team = get_team_by_name(session, team)
            actor = acting_member(session, team=the_team, email=user)
            project_id = None
            if project is not None:
                project_id = projects.project_named(session, team_id=the_team.id, name=project).id
            result = _reported(
                console,
                lambda: candidate_import.import_candidates(
                    session,
                    actor=actor,
                    data=data,
                    project_id=project_id,
                    dry_run=dry_run,
                    skip_invalid=skip_invalid,
                    progress=progress,
                ),
            )
        table = _summary("Dry run: nothing was written" if dry_run else f"Imported {file.name}")
        for name, value in (
            ("Rows", result.rows),
            ("Created", result.created),
            ("Matched", result.matched),
            ("Added to project", result.added_to_project),
            ("Invalid" + (" (left out)" if result.invalid else ""), len(result.invalid)),
        ):
            table.add_row(name, f"{value:,}")
        Console().print(table)
        _print_lines(console, result.invalid)

    @group.command("touchpoints")
    def touchpoints(
        file: Annotated[Path, typer.Argument(metavar="FILE", help="Gem's event_log export.")],
        team: TeamName,
        format: Annotated[HistoryFormat, typer.Option(help="The file's format.")],
        dry_run: DryRun = False,
        skip_invalid: SkipInvalid = False,
        user: ActingUser = None,
    ) -> None:
        """Import touchpoint history; rows the team has already are not written again."""
        data = _read(file)
        with database() as db, db.unit_of_work() as session, _progress(console) as progress:
            the_team = get_team_by_name(session, team)
            actor = acting_member(session, team=the_team, email=user)
            result = _reported(
                console,
                lambda: touchpoint_import.import_gem(
                    session,
                    actor=actor,
                    data=data,
                    dry_run=dry_run,
                    skip_invalid=skip_invalid,
                    progress=progress,
                ),
            )
        table = _summary("Dry run: nothing was written" if dry_run else f"Imported {file.name}")
        for name, value in (
            ("Rows", result.rows),
            ("Touchpoints created", result.created),
            ("Duplicates (not written)", result.duplicates),
            ("Skipped (not a touchpoint)", len(result.skipped)),
            ("Invalid" + (" (left out)" if result.invalid else ""), len(result.invalid)),
            ("Candidates created", result.candidates_created),
        ):
            table.add_row(name, f"{value:,}")
        Console().print(table)
        _print_lines(console, result.invalid)


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise ReachoutError(f"{file}: {exc.strerror or exc}") from None


@contextmanager
def _progress(console: Console) -> Iterator[ProgressCallback]:
    bar = Progress(
        TextColumn("Importing"),
        BarColumn(),
        TaskProgressColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = bar.add_task("import", total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _reported(console: Console, run: Callable[[], T]) -> T:
    """The import's result; a refusal with invalid lines lists them before its one line."""
    try:
        return run()
    except Invalid as exc:
        invalid = exc.extra.get("invalid") or []
        _print_lines(console, [LineErrors.model_validate(i) for i in invalid])
        raise


def _summary(title: str) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("")
    table.add_column("", justify="right")
    return table


def _print_lines(console: Console, invalid: list[LineErrors]) -> None:
    for item in invalid[:SHOWN_ERRORS]:
        console.print(f"line {item.line}: {'; '.join(item.errors)}", markup=False)
    if len(invalid) > SHOWN_ERRORS:
        console.print(f"... and {len(invalid) - SHOWN_ERRORS:,} more lines with errors")
