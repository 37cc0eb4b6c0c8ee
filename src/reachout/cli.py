"""The `reachout` command: serve the app, migrate the database, create teams, users and tokens.

Every command reads `REACHOUT_*` settings from the environment and runs in one transaction.
Errors a user can cause (bad input, a missing team, a database that cannot be reached) are
reported by `main()` as one `error: ...` line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import pydantic
import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from reachout import __version__, migrate
from reachout.backup_cli import register as register_backup
from reachout.config import Settings
from reachout.db import Database
from reachout.errors import ReachoutError
from reachout.extension import ZIP_NAME, pack
from reachout.instance import ensure_secret_key
from reachout.kit.security import new_password
from reachout.models.enums import Role
from reachout.observability.logs import configure_logging, logging_config
from reachout.observability.processes import prepare_multiprocess_dir
from reachout.stats.cli import register as register_stats
from reachout.synthetic.cli import register as register_seed
from reachout.teams.service import create_team, get_team_by_name
from reachout.transfer.export_cli import register as register_export
from reachout.transfer.import_cli import register as register_import
from reachout.users.service import add_user, create_token, get_user_by_email

app = typer.Typer(
    help="Reachout: the ledger of every recruiting touchpoint, and its outreach statistics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click output: a usage error ends in one `Error: ...` line instead of a drawn box.
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Manage the database: its schema, backups.", no_args_is_help=True)
team_app = typer.Typer(help="Manage teams.", no_args_is_help=True)
user_app = typer.Typer(help="Manage team members.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(team_app, name="team")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")

# Progress bars go to stderr, so stdout carries only what a script may want to read.
stderr = Console(stderr=True, soft_wrap=True, highlight=False)


def main() -> None:
    """Entry point of the `reachout` console script: run a command, report errors in one line."""
    try:
        app(prog_name="reachout")
    except ReachoutError as exc:
        _fail(str(exc))
    except pydantic.ValidationError as exc:
        _fail(_validation_problem(exc))
    except SQLAlchemyError as exc:
        _fail(_database_problem(exc))


def _fail(message: str) -> None:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    sys.exit(1)


def _validation_problem(exc: pydantic.ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if exc.title == Settings.__name__:
        where = "REACHOUT_" + where.upper()  # the environment variable the value came from
    return f"{where}: {first['msg']}"


def _database_problem(exc: SQLAlchemyError) -> str:
    if isinstance(exc, ArgumentError):
        return f"REACHOUT_DATABASE_URL is not a usable database URL: {exc}"
    # The driver's own message, first line only: SQLAlchemy appends the SQL and a help link.
    reason = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip().splitlines()
    url = _display_url(Settings().database_url)
    return f"database {url}: {reason[0] if reason else type(exc).__name__}"


def _display_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"reachout {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Reachout: the ledger of every recruiting touchpoint, and its outreach statistics."""


@contextmanager
def _database(*, require_schema: bool = True) -> Iterator[Database]:
    db = Database(Settings())
    try:
        if require_schema:
            _check_schema(db)
        yield db
    finally:
        db.dispose()


def _check_schema(db: Database) -> None:
    current = migrate.current_revision(db.engine)
    head = migrate.head_revision()
    if current != head:
        at = f"revision {current}" if current else "no schema yet"
        url = _display_url(db.settings.database_url)
        raise ReachoutError(
            f"database {url} has {at} (this version needs {head}): run `reachout db upgrade`"
        )


def _password(given: str | None) -> tuple[str, bool]:
    """The password to set, and whether it was generated (so it must be shown)."""
    if given:
        return given, False
    if sys.stdin.isatty():
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True), False
    return new_password(), True


# --- serve -----------------------------------------------------------------------------------

# On SIGTERM a server process stops accepting connections and gives the requests in flight
# this long to finish, then its worker thread up to sequences.worker.STOP_SECONDS: within the
# 90 s systemd waits by default before it kills (set Kubernetes' grace period above 40 s).
DRAIN_SECONDS = 20


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes.", min=1)] = 1,
    demo: Annotated[
        bool, typer.Option("--demo", help="Fill an empty database with a demo team first.")
    ] = False,
    no_worker: Annotated[
        bool,
        typer.Option(
            "--no-worker",
            help="Do not send sequences' email from the server processes (run `reachout worker`).",
        ),
    ] = False,
) -> None:
    """Apply pending migrations, then serve the web app and the API (and, unless --no-worker,
    send sequences' email from each server process)."""
    with _database(require_schema=False) as db:
        before, after = migrate.upgrade(db.engine)
        if before != after:
            typer.echo(f"Database upgraded from {before or 'empty'} to {after}.")
        with db.unit_of_work() as session:
            ensure_secret_key(session, db.settings)
        if demo:
            _load_demo(db)
    base = f"http://{_url_host(host)}:{port}"
    typer.echo(f"Reachout is starting on {base} (API docs: {base}/api/docs)")
    sys.stdout.flush()
    if not no_worker:
        # Read by each server process's app (Settings.run_worker).
        os.environ["REACHOUT_RUN_WORKER"] = "true"
    # An import string and a factory, so that each worker process builds its own app (and its
    # own database pool) from the same REACHOUT_* environment.
    settings = Settings()
    if settings.metrics_token:
        prepare_multiprocess_dir(processes=workers)
    uvicorn.run(
        "reachout.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # The app believes forwarded headers from REACHOUT_TRUSTED_PROXIES alone; uvicorn's
        # own default would believe any process on the host (127.0.0.1).
        proxy_headers=False,
        timeout_graceful_shutdown=DRAIN_SECONDS,
        # Each process logs in REACHOUT_LOG_FORMAT, one line per request of its own.
        log_config=logging_config(settings.log_format),
        access_log=False,
    )


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then exit.")] = False,
) -> None:
    """Send sequences' due email until stopped (SIGTERM or Ctrl-C); run any number of them."""
    # Imported here: only this command needs the worker and its SMTP client.
    from reachout.sequences.worker import Worker

    configure_logging(Settings().log_format)
    with _database() as db:
        settings = db.settings
        try:
            runner = Worker(db, settings)
        except ValueError as error:
            _fail(str(error))
        if runner.mailer is None:
            stderr.print("REACHOUT_SMTP_URL is not set: no email can be sent.")
        if once:
            handled = runner.run_once()
            typer.echo(f"{handled} due sends handled.")
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: runner.stop.set())
        typer.echo(f"Worker {runner.name} is sending due email (stop with SIGTERM or Ctrl-C).")
        sys.stdout.flush()
        runner.run()
        typer.echo(f"Worker stopped after {runner.sent} sends.")


def _load_demo(db: Database) -> None:
    # Imported here: the demo pulls in every domain's services, which no other command needs.
    from reachout.demo import load_demo_if_empty

    progress = Progress(
        TextColumn("Loading demo data"),
        BarColumn(),
        MofNCompleteColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
    )
    task = progress.add_task("demo", total=None)
    with progress, db.unit_of_work() as session:
        demo = load_demo_if_empty(
            session, progress=lambda done, total: progress.update(task, completed=done, total=total)
        )
    if demo is None:
        typer.echo("The database has teams already: demo data was not added.")
        return
    typer.echo(
        f"Demo team {demo.team_name!r}: {demo.candidates} candidates, {demo.projects} projects, "
        f"{demo.touchpoints} touchpoints; two sequences, {demo.sequences_sent} emails sent."
    )
    typer.echo(f"Sign in as: {demo.email}")
    typer.echo(f"Password:   {demo.password}")
    typer.echo(f"API token:  {demo.token}")


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "localhost"
    return f"[{host}]" if ":" in host else host


# --- db --------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations to the database."""
    with _database(require_schema=False) as db:
        before, after = migrate.upgrade(db.engine)
    if before == after:
        typer.echo(f"Database is up to date (revision {after}).")
    else:
        typer.echo(f"Database upgraded from {before or 'empty'} to {after}.")


register_backup(db_app, console=stderr)


# --- team, user, token -----------------------------------------------------------------------


@team_app.command("create")
def team_create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The team's name.")],
    admin_email: Annotated[str, typer.Option(help="Email of the team's first admin.")],
    admin_name: Annotated[str | None, typer.Option(help="The admin's name.")] = None,
    time_zone: Annotated[str, typer.Option(help="IANA time zone for stats dates.")] = "UTC",
    password: Annotated[
        str | None, typer.Option(help="The admin's password (prompted, or generated).")
    ] = None,
) -> None:
    """Create a team and its first admin."""
    with _database() as db:
        secret, generated = _password(password)
        with db.unit_of_work() as session:
            team, admin = create_team(
                session,
                name=name,
                admin_email=admin_email,
                admin_name=admin_name,
                admin_password=secret,
                time_zone=time_zone,
            )
    typer.echo(f"Created team {team.name!r} (id {team.id}) with admin {admin.email}.")
    if generated:
        typer.echo(f"Password: {secret}")


@user_app.command("add")
def user_add(
    team: Annotated[str, typer.Option(help="The team's name.")],
    email: Annotated[str, typer.Option(help="The new member's email (their sign-in).")],
    name: Annotated[str | None, typer.Option(help="Their name.")] = None,
    role: Annotated[Role, typer.Option(help="Their role.")] = Role.member,
    password: Annotated[
        str | None, typer.Option(help="Their password (prompted, or generated).")
    ] = None,
) -> None:
    """Add a member to a team."""
    with _database() as db:
        secret, generated = _password(password)
        with db.unit_of_work() as session:
            user = add_user(
                session,
                team=get_team_by_name(session, team),
                email=email,
                name=name,
                role=role,
                password=secret,
                actor=None,
            )
    typer.echo(f"Added {user.email} to {user.team.name!r} as {user.role} (id {user.id}).")
    if generated:
        typer.echo(f"Password: {secret}")


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Option(help="The user the token acts as.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
) -> None:
    """Create an API token and print it (alone, so scripts can capture it)."""
    with _database() as db, db.unit_of_work() as session:
        _, secret = create_token(session, user=get_user_by_email(session, email), label=label)
    typer.echo(secret)


# --- stats -----------------------------------------------------------------------------------

register_stats(app, database=_database)


# --- extension -------------------------------------------------------------------------------

extension_app = typer.Typer(help="The browser extension.", no_args_is_help=True)
app.add_typer(extension_app, name="extension")


@extension_app.command("pack")
def extension_pack(
    output: Annotated[
        Path, typer.Option(help="Where to write the zip.", dir_okay=False, writable=True)
    ] = Path(ZIP_NAME),
) -> None:
    """Zip the browser extension (extension/) for Load unpacked, as Settings offers it."""
    data = pack()
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise ReachoutError(f"{output}: {exc.strerror or exc}") from None
    typer.echo(f"Wrote {output} ({len(data):,} bytes).")


# --- import ----------------------------------------------------------------------------------

register_import(app, database=_database, console=stderr)


# --- export ----------------------------------------------------------------------------------

register_export(app, database=_database, console=stderr)


# --- seed ------------------------------------------------------------------------------------

register_seed(app, database=_database, console=stderr)
