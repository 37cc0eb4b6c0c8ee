"""`reachout db backup` and `reachout db restore`: the database of REACHOUT_DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.filesize import decimal
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from reachout import backup
from reachout.config import Settings


def register(db_app: typer.Typer, *, console: Console) -> None:
    """Mount the two commands on `reachout db`, their progress shown on `console`."""

    @db_app.command("backup")
    def db_backup(
        file: Annotated[
            Path, typer.Argument(metavar="FILE", help="The backup to write.", dir_okay=False)
        ],
    ) -> None:
        """Copy the database to FILE while the app keeps serving: as it was when the backup
        began (SQLite: the online backup API; PostgreSQL: pg_dump's custom format)."""
        url = Settings().database_url
        with _progress(console, "Backing up") as told:
            done = backup.backup_database(url, file, progress=told)
        at = f"revision {done.revision}" if done.revision else "no schema"
        typer.echo(f"Backed up to {file}: {decimal(done.size)} ({at}) in {done.seconds:.1f} s.")

    @db_app.command("restore")
    def db_restore(
        file: Annotated[
            Path,
            typer.Argument(metavar="FILE", help="A backup `reachout db backup` made."),
        ],
        force: Annotated[
            bool, typer.Option("--force", help="Replace a database that has tables already.")
        ] = False,
    ) -> None:
        """Replace the database with the backup in FILE; refused while any other process or
        session uses the database (stop the servers and workers first)."""
        url = Settings().database_url
        with _progress(console, "Restoring") as told:
            done = backup.restore_database(url, file, force=force, progress=told)
        typer.echo(f"Restored {file} in {done.seconds:.1f} s. {done.advice}")


@contextmanager
def _progress(console: Console, action: str) -> Iterator[backup.Progress]:
    progress = Progress(
        TextColumn(action),
        BarColumn(),
        TextColumn("{task.fields[what]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = progress.add_task(action, total=None, what="")

    def told(done: int, total: int | None, what: str) -> None:
        counted = f"{done:,}/{total:,} {what}" if total else what
        progress.update(task, completed=done, total=total, what=counted)

    with progress:
        yield told
