"""`reachout stats`: a team's Outreach Stats as a table, CSV or JSON."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from enum import StrEnum
from typing import Annotated, Any

import pydantic
import typer
from rich.console import Console
from rich.table import Table

from reachout.db import Database
from reachout.errors import Invalid, ReachoutError
from reachout.kit.csvfile import CsvWriter
from reachout.models.enums import Channel
from reachout.stats.schemas import GroupBy, OutreachStats, StatsQuery, StatsView
from reachout.stats.service import team_outreach_stats
from reachout.teams.service import get_team_by_name
from reachout.users.service import get_user_by_email

# The command's option for each field a query can be refused on.
OPTIONS = {
    "from": "--from",
    "to": "--to",
    "group_by": "--group-by",
    "project_id": "--project-id",
    "user_id": "--user-email",
    "sequence_id": "--sequence-id",
}
RATES = ("reply_rate", "interested_rate")
HEADERS = {"follow_ups": "Follow-ups", "follow_up": "Follow-up"}


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def register(app: typer.Typer, *, database: Callable[[], AbstractContextManager[Database]]) -> None:
    """Mount `reachout stats` on the root command, opening the database as its commands do."""

    @app.command("stats")
    def stats(
        team: Annotated[str, typer.Option(help="The team's name.")],
        view: Annotated[
            StatsView,
            typer.Option(
                help="cohort: what became of the outreach started in the period; "
                "activity: what was done in it."
            ),
        ] = StatsView.cohort,
        from_: Annotated[
            str | None,
            typer.Option(
                "--from",
                help="First day, YYYY-MM-DD, in the team's time zone "
                "(default: 29 days before --to).",
            ),
        ] = None,
        to: Annotated[
            str | None, typer.Option(help="Last day, YYYY-MM-DD (default: today).")
        ] = None,
        group_by: Annotated[
            GroupBy | None, typer.Option(help="One row per group (stage: cohort view only).")
        ] = None,
        project_id: Annotated[int | None, typer.Option(help="Only this project.")] = None,
        user_email: Annotated[
            str | None, typer.Option(help='Only this member\'s ("my stats").')
        ] = None,
        channel: Annotated[Channel | None, typer.Option(help="Only this channel.")] = None,
        sequence_id: Annotated[
            int | None, typer.Option(help="Only what this sequence made.")
        ] = None,
        output: Annotated[Format, typer.Option("--format", help="How to print.")] = Format.table,
    ) -> None:
        """Print a team's Outreach Stats for a period: groups, then the totals."""
        fields: dict[str, Any] = {"view": view, "from": from_, "to": to, "group_by": group_by}
        fields |= {"project_id": project_id, "channel": channel, "sequence_id": sequence_id}
        with database() as db, db.unit_of_work(write=False) as session:
            the_team = get_team_by_name(session, team)
            if user_email is not None:
                user = get_user_by_email(session, user_email)
                if user.team_id != the_team.id:
                    raise ReachoutError(f"--user-email: {user_email} is not a member of {team!r}")
                fields["user_id"] = user.id
            try:
                result = team_outreach_stats(session, team=the_team, query=_query(fields))
            except Invalid as exc:
                raise ReachoutError(_option_problem(exc)) from exc
        print_stats(result, output)


def _query(fields: dict[str, Any]) -> StatsQuery:
    try:
        return StatsQuery.model_validate(fields)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = str(first["loc"][0]) if first["loc"] else "query"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ReachoutError(f"{OPTIONS.get(where, where)}: {message}") from exc


def _option_problem(exc: Invalid) -> str:
    if not exc.errors or exc.errors[0].field is None:
        return str(exc)
    field = exc.errors[0].field
    return f"{OPTIONS.get(field, field)}: {exc.errors[0].message}"


def print_stats(result: OutreachStats, output: Format) -> None:
    if output == Format.json:
        typer.echo(result.model_dump_json(by_alias=True, indent=2))
        return
    columns, rows = stats_rows(result)
    if output == Format.csv:
        writer = CsvWriter(sys.stdout)
        writer.writerow(["key", "label", *columns])
        writer.writerows(rows)
        return
    title = f"{result.view.value.title()} view, {result.from_} to {result.to} ({result.time_zone})"
    table = Table(title=title)
    for i, name in enumerate(["", *columns]):
        header = HEADERS.get(name, name.replace("_", " ").capitalize())
        table.add_column(header, justify="left" if i == 0 else "right")
    for i, row in enumerate(rows):
        cells = [str(row[1]), *(_shown(name, v) for name, v in zip(columns, row[2:], strict=True))]
        table.add_row(
            *cells, end_section=i == len(rows) - 2, style="bold" if row[0] == "" else None
        )
    # Piped output gets room for every column rather than the 80 columns of no terminal.
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def stats_rows(result: OutreachStats) -> tuple[list[str], list[list[Any]]]:
    """The metric columns, and one row per group then the totals (key '', label 'Total')."""
    groups = [g.model_dump() for g in result.groups]
    totals = result.totals.model_dump()
    columns = [c for c in (groups[0] if groups else totals) if c not in ("key", "label")]
    if result.group_by == GroupBy.stage:
        # Every thread reaches touch 1, so the whole cohort is the stages' total.
        totals["reached"] = totals["contacted"]
    rows = [[g["key"], g["label"], *(g[c] for c in columns)] for g in groups]
    rows.append(["", "Total", *(totals[c] for c in columns)])
    return columns, rows


def _shown(column: str, value: Any) -> str:
    if value is None:
        return "-"
    if column in RATES:
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return f"{value:,}"
