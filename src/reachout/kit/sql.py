"""The few statements that differ between SQLite and PostgreSQL, each in one place.

Everything else in Reachout is portable SQLAlchemy; tests run these helpers on both databases.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    Table,
    Text,
    bindparam,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.visitors import ExternallyTraversible, replacement_traverse
from sqlalchemy.types import Date, DateTime

from reachout.kit.time import local_day


def id_list(session: Session, ids: Sequence[int]) -> Select[Any]:
    """A one-column (`id`) SELECT over a list of integers, sent as a single parameter.

    Bulk requests carry up to 50,000 ids: more than either driver accepts as separate
    parameters, and far slower as a temporary table filled row by row.
    """
    if session.get_bind().dialect.name == "postgresql":
        param = bindparam("id_list", value=list(ids), type_=postgresql.ARRAY(BigInteger))
        return select(func.unnest(param).column_valued("id", Integer))  # type: ignore[arg-type]
    param = bindparam("id_list", value=json.dumps(list(ids)))
    each = func.json_each(param).table_valued("value")
    return select(each.c.value.label("id"))


def text_list(session: Session, values: Sequence[str]) -> Select[Any]:
    """A one-column (`value`) SELECT over a list of strings, sent as a single parameter (as
    `id_list` for integers): an import looks up a hundred thousand emails at once."""
    if session.get_bind().dialect.name == "postgresql":
        param = bindparam("text_list", value=list(values), type_=postgresql.ARRAY(Text))
        return select(func.unnest(param).column_valued("value", Text))  # type: ignore[arg-type]
    param = bindparam("text_list", value=json.dumps(list(values)))
    each = func.json_each(param).table_valued("value")
    return select(each.c.value.label("value"))


def in_id_list(
    session: Session, column: ColumnElement[int] | InstrumentedAttribute[int], ids: Sequence[int]
) -> ColumnElement[bool]:
    """`column IN (ids)` for an INTEGER column and any number of ids, as one parameter.

    PostgreSQL gets `= ANY(integer[])`: a filter, not a join, so its plan cannot turn quadratic
    when the planner has no statistics yet for rows this very transaction wrote; and an array
    of the column's own type, which PostgreSQL probes by hashing (against an array of another
    type it compares each row with every element).
    """
    if session.get_bind().dialect.name == "postgresql":
        # No INTEGER id is larger; leaving such ids out keeps the array an integer[].
        fitting = [i for i in ids if -INT4_MAX - 1 <= i <= INT4_MAX]
        return column == func.any(
            bindparam("id_array", value=fitting, type_=postgresql.ARRAY(Integer))
        )
    return column.in_(id_list(session, ids))


def id_start_list(
    session: Session, pairs: Sequence[tuple[int, datetime]], *, name: str = "bounds"
) -> Any:
    """A two-column (`id`, `start`) FROM clause over (integer, UTC instant) pairs, sent as one
    parameter per column (PostgreSQL) or one JSON parameter (SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        ids = bindparam(f"{name}_ids", value=[i for i, _ in pairs], type_=postgresql.ARRAY(Integer))
        starts = [at.astimezone(UTC).replace(tzinfo=None) for _, at in pairs]
        at = bindparam(f"{name}_starts", value=starts, type_=postgresql.ARRAY(DateTime()))
        return func.unnest(ids, at).table_valued("id", "start").render_derived(name=name)
    # The text SQLite stores a UTCDateTime as, so that it compares with the stored column.
    texts = [[i, at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")] for i, at in pairs]
    each = func.json_each(bindparam(f"{name}_json", value=json.dumps(texts))).table_valued("value")
    return select(
        func.json_extract(each.c.value, "$[0]").label("id"),
        func.json_extract(each.c.value, "$[1]").label("start"),
    ).subquery(name)


def id_text_list(
    session: Session, pairs: Sequence[tuple[int, str | None]], *, name: str = "pairs"
) -> Any:
    """A two-column (`id`, `value`) FROM clause over (integer, text) pairs, sent as one
    parameter per column (PostgreSQL) or one JSON parameter (SQLite), as `id_start_list`."""
    if session.get_bind().dialect.name == "postgresql":
        ids = bindparam(f"{name}_ids", value=[i for i, _ in pairs], type_=postgresql.ARRAY(Integer))
        texts = bindparam(
            f"{name}_values", value=[v for _, v in pairs], type_=postgresql.ARRAY(Text)
        )
        return func.unnest(ids, texts).table_valued("id", "value").render_derived(name=name)
    each = func.json_each(bindparam(f"{name}_json", value=json.dumps(pairs))).table_valued("value")
    return select(
        func.json_extract(each.c.value, "$[0]").label("id"),
        func.json_extract(each.c.value, "$[1]").label("value"),
    ).subquery(name)


class shift_days(FunctionElement[Any]):
    """`timestamp + N days` for a stored UTC timestamp column, exact to the microsecond."""

    type = DateTime()
    inherit_cache = True


@compiles(shift_days, "postgresql")
def _shift_days_pg(element: shift_days, compiler: SQLCompiler, **kw: Any) -> str:
    ts, days = list(element.clauses)
    return f"({compiler.process(ts, **kw)} + make_interval(days => {compiler.process(days, **kw)}))"


@compiles(shift_days, "sqlite")
def _shift_days_sqlite(element: shift_days, compiler: SQLCompiler, **kw: Any) -> str:
    # Timestamps are stored as 'YYYY-MM-DD HH:MM:SS.ffffff'. SQLite's date functions keep only
    # milliseconds, so shift the whole seconds and re-attach the original fraction (chars 20+).
    ts_clause, days_clause = list(element.clauses)
    ts = compiler.process(ts_clause, **kw)
    days = compiler.process(days_clause, **kw)
    # The fraction is cut off before strftime, which would round .9995 s and up to a second.
    whole = f"substr({ts}, 1, 19)"
    return f"(strftime('%Y-%m-%d %H:%M:%S', {whole}, ({days}) || ' days') || substr({ts}, 20))"


INT4_MAX = 2**31 - 1

Traversed = TypeVar("Traversed", bound=ExternallyTraversible)

# The first key of PostgreSQL's two-key advisory locks that Reachout takes: "RO" in ASCII.
_LOCK_SPACE = 0x524F


def lock_team_row(session: Session, table: Table, *, team_id: int, row_id: int) -> None:
    """Serialise the writers of what hangs off one row of a team (a candidate's history) until
    the transaction ends.

    PostgreSQL: the team's advisory lock in shared mode (so a team-wide write, which takes it
    exclusively, waits for us and we for it), then a row lock; FOR NO KEY UPDATE, so inserts
    that merely reference the row are not held up. One statement: the advisory lock is in its
    select list, which the scan computes for the row before the row is locked. (A row of
    another team, or none: no lock at all.) SQLite: nothing to do, a write transaction holds
    the database's write lock from its first statement (BEGIN IMMEDIATE, see reachout.db).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    session.connection().execute(_row_lock(table), {"row_id": row_id, "team_id": team_id})


@cache
def _row_lock(table: Table) -> Select[Any]:
    # Built once per table: a single log takes this lock on every request.
    team_id = bindparam("team_id", type_=Integer())
    return (
        select(func.pg_advisory_xact_lock_shared(_LOCK_SPACE, team_id), table.c.id)
        .where(table.c.id == bindparam("row_id"), table.c.team_id == team_id)
        .with_for_update(key_share=True)
    )


def lock_team_histories(session: Session, *, team_id: int) -> None:
    """Serialise a write to many histories of a team (bulk, undo) with every other writer there.

    One exclusive advisory lock instead of a row lock per candidate, which would cost a bulk
    more than writing its touchpoints. Single logs share this lock, so a bulk request waits for
    them and they wait for it.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(select(func.pg_advisory_xact_lock(_LOCK_SPACE, team_id)))


class local_day_of(FunctionElement[Any]):
    """The date of a stored UTC timestamp in an IANA time zone."""

    type = Date()
    inherit_cache = True


@compiles(local_day_of, "postgresql")
def _local_day_pg(element: local_day_of, compiler: SQLCompiler, **kw: Any) -> str:
    ts, zone = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(timezone({zone}, timezone('UTC', {ts})) AS DATE)"


@compiles(local_day_of, "sqlite")
def _local_day_sqlite(element: local_day_of, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite knows no time zones: reachout.db registers this function on every connection.
    ts, zone = (compiler.process(c, **kw) for c in element.clauses)
    return f"reachout_local_day({ts}, {zone})"


def sqlite_local_day(stored: str | None, time_zone: str) -> str | None:
    """`reachout_local_day` for SQLite: a stored UTC timestamp's date in `time_zone`."""
    if stored is None:
        return None
    return local_day(datetime.fromisoformat(stored), time_zone).isoformat()


class monday_of(FunctionElement[Any]):
    """The date of the Monday that starts a date's ISO week."""

    type = Date()
    inherit_cache = True


@compiles(monday_of, "postgresql")
def _monday_of_pg(element: monday_of, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"({day} - (CAST(EXTRACT(ISODOW FROM {day}) AS INTEGER) - 1))"


@compiles(monday_of, "sqlite")
def _monday_of_sqlite(element: monday_of, compiler: SQLCompiler, **kw: Any) -> str:
    # strftime('%w') numbers Sunday 0 .. Saturday 6; (w + 6) % 7 is the days since Monday.
    (day,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')"


class micros_between(FunctionElement[int]):
    """Whole microseconds from one stored UTC timestamp to another, exact on both databases.

    Stored in each replied thread when it is rebuilt, so that the median time to reply reads
    one integer per thread rather than converting two timestamps per thread on every query.
    """

    type = BigInteger()
    inherit_cache = True


@compiles(micros_between, "postgresql")
def _micros_between_pg(element: micros_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) * 1000000 AS BIGINT)"


@compiles(micros_between, "sqlite")
def _micros_between_sqlite(element: micros_between, compiler: SQLCompiler, **kw: Any) -> str:
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff'. SQLite's date functions keep milliseconds (and
    # round .9995 up to the next second), so the seconds are read from the first 19 characters
    # and the microseconds, characters 21 on, as an integer.
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    seconds = f"(strftime('%s', substr({end}, 1, 19)) - strftime('%s', substr({start}, 1, 19)))"
    fraction = f"(CAST(substr({end}, 21) AS INTEGER) - CAST(substr({start}, 21) AS INTEGER))"
    return f"({seconds} * 1000000 + {fraction})"


def upsert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of `table` for `dialect` that can say `on_conflict_do_update/nothing`: both
    databases spell ON CONFLICT alike, but SQLAlchemy builds it per dialect."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def drawn_id(dialect: str, table: Table) -> ColumnElement[Any]:
    """The id the next row of `table` will have, drawn now (PostgreSQL: from its sequence),
    so that a row and the rows that refer to it can go in one statement; SQLite: NULL, the
    INSERT gives it."""
    if dialect == "postgresql":
        return func.nextval(f"{table.name}_id_seq")
    return literal(None, Integer)


def prefixed_binds(statement: Traversed, prefix: str) -> Traversed:
    """A copy of `statement` whose bound parameters are named `prefix` + their name, so that
    statements built for their own values can be combined into one (as CTEs) without their
    names meeting."""

    def rename(element: ExternallyTraversible, **kw: Any) -> ExternallyTraversible | None:
        # Literal values (anonymous, `unique` parameters) carry their value and never meet.
        if isinstance(element, BindParameter) and not element.unique:
            return bindparam(prefix + element.key, type_=element.type)
        return None

    copy: ExternallyTraversible = statement
    return cast(Traversed, replacement_traverse(copy, {}, rename))


def dialect_of(session: Session) -> str:
    """The session's database kind, the key of statements built once per dialect."""
    return session.get_bind().dialect.name


def totals_in_grouped_pass(session: Session) -> bool:
    """Whether a grouped query can give its totals as one more row of the same pass
    (`GROUP BY GROUPING SETS ((key), ())`): PostgreSQL can; SQLite has no grouping sets, and
    its totals take a query of their own."""
    return dialect_of(session) == "postgresql"


def reserve_ids(session: Session, table: str, count: int) -> list[int]:
    """`count` fresh ids for `table`, increasing, that no other writer will be given, so rows
    can be written with their ids and the rows that refer to them without reading anything
    back.

    PostgreSQL: drawn from the table's sequence. SQLite: the ids after the largest, which no
    one else can take before this transaction ends: a write transaction holds the database's
    write lock from its first statement (BEGIN IMMEDIATE, see reachout.db).
    """
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        drawn = session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table, "n": count},
        )
        return sorted(drawn)
    largest = session.scalar(text(f'SELECT max(id) FROM "{table}"'))
    first = int(largest or 0) + 1
    return list(range(first, first + count))
