"""`reachout export`: a team's touchpoints or candidates, streamed to stdout or to a file."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from reachout.db import Database
from reachout.errors import Invalid, ReachoutError
from reachout.teams.service import get_team_by_name
from reachout.transfer import exports
from reachout.transfer.export_stream import Export
from reachout.transfer.exports import CandidateFormat, ExportTeam, TouchpointFormat

# The command's option for each field an export can be refused on.
OPTIONS = {"from": "--from", "to": "--to", "format": "--format"}

Output = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file (default: stdout).", dir_okay=False),
]


def register(
    app: typer.Typer,
    *,
    database: Callable[[], AbstractContextManager[Database]],
    console: Console,
) -> None:
    """Mount `reachout export` on the root command; the progress bar goes to `console`."""
    export_app = typer.Typer(help="Export a team's data.", no_args_is_help=True)
    app.add_typer(export_app, name="export")

    @export_app.command("touchpoints")
    def touchpoints(
        team: Annotated[str, typer.Option(help="The team's name.")],
        export_format: Annotated[
            TouchpointFormat,
            typer.Option(
                "--format", help="gem: Gem's event_log columns; csv, jsonl: Reachout's own."
            ),
        ],
        from_: Annotated[
            str | None,
            typer.Option("--from", help="First day, YYYY-MM-DD, in the team's time zone."),
        ] = None,
        to: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD, included.")] = None,
        output: Output = None,
    ) -> None:
        """Write the team's touchpoints, oldest first."""
        with database() as db:
            export = _checked(
                lambda: exports.touchpoints_export(
                    db,
                    team=_team(db, team),
                    format=export_format.value,
                    from_=from_,
                    to=to,
                )
            )
            _write(export, output, console, what="touchpoints")

    @export_app.command("candidates")
    def candidates(
        team: Annotated[str, typer.Option(help="The team's name.")],
        export_format: Annotated[
            CandidateFormat,
            typer.Option("--format", help="csv (re-imports with `reachout import`) or jsonl."),
        ],
        output: Output = None,
    ) -> None:
        """Write the team's candidates with their emails and projects."""
        with database() as db:
            export = _checked(
                lambda: exports.candidates_export(
                    db, team=_team(db, team), format=export_format.value
                )
            )
            _write(export, output, console, what="candidates")


def _team(db: Database, name: str) -> ExportTeam:
    with db.unit_of_work(write=False) as session:
        return ExportTeam.of(get_team_by_name(session, name))


def _checked(make: Callable[[], Export]) -> Export:
    """The export, or its refusal in the command's own terms (`--from: ...`)."""
    try:
        return make()
    except Invalid as exc:
        if not exc.errors or exc.errors[0].field is None:
            raise
        field = exc.errors[0].field
        raise ReachoutError(f"{OPTIONS.get(field, field)}: {exc.errors[0].message}") from exc


def _write(export: Export, output: Path | None, console: Console, *, what: str) -> None:
    if output is None:
        # The bytes as a download has them: UTF-8, whatever the terminal's encoding.
        sys.stdout.flush()
        for chunk in export.chunks():
            sys.stdout.buffer.write(chunk.encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    # Written beside the file and renamed at the end: a failed export leaves no half a file.
    partial = output.with_name(output.name + ".part")
    bar = Progress(
        TextColumn(f"Exporting {what}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    written = 0

    def told(done: int) -> None:
        nonlocal written
        written = done
        bar.update(task, completed=done)

    try:
        with bar, partial.open("w", encoding="utf-8", newline="") as file:
            task = bar.add_task(what, total=export.count() if console.is_terminal else None)
            for chunk in export.chunks(told):
                file.write(chunk)
        partial.replace(output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    typer.echo(f"Wrote {written:,} {what} to {output}.")
