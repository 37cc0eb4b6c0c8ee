"""Rows written by the database driver alone: the fastest load each database offers.

PostgreSQL gets `COPY ... FROM STDIN`, SQLite `executemany` of one prepared INSERT; both run on
the session's own connection, inside its transaction. Values are given as the database stores
them (timestamps as `YYYY-MM-DD HH:MM:SS.ffffff` text, naive UTC), so nothing is converted per
row. The generator uses this to seed, and the benchmark as the floor that bulk logging through
the service is measured against.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, text
from sqlalchemy.orm import Session
from sqlalchemy.schema import AddConstraint, DropConstraint

from reachout.models import Base


def write_rows(
    session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Append rows to a table, in the order given (ids, when not given, follow it)."""
    if not rows:
        return
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None  # a live session's connection always has one
    names = ", ".join(f'"{column}"' for column in columns)
    if connection.dialect.name == "postgresql":
        with (
            driver.cursor() as cursor,
            cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    cursor = driver.cursor()
    try:
        cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
    finally:
        cursor.close()


def allocate_ids(session: Session, table: str, count: int) -> list[int]:
    """`count` fresh ids for `table`, increasing, that no other writer will be given.

    Rows can then be written with their ids, and rows that refer to them written without
    reading anything back. PostgreSQL: values drawn from the table's sequence. SQLite: the ids
    after the largest, safe because a write transaction holds the database's write lock from
    its first statement (BEGIN IMMEDIATE, see reachout.db).
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


@contextmanager
def loading(session: Session, rows: Mapping[type[Base], int]) -> Iterator[None]:
    """Ready tables for big appends (`rows`: how many each is about to get), and restore them.

    A table that at least doubles is loaded without its secondary indexes, and on PostgreSQL
    without its foreign keys, which are then built again from the models' definitions (the
    schema's, as the migration test checks): one sort per index instead of a B-tree insert per
    row and index, and one join per foreign key instead of a lookup per row, as pg_restore
    does. The transaction holds those tables exclusively meanwhile, so this is for seeding (a
    fresh database, mostly), not for a database in use; a rollback leaves them as they were.
    """
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    tables = [
        Base.metadata.tables[model.__tablename__]
        for model, count in rows.items()
        if count and _has_at_most(session, model.__tablename__, count)
    ]
    indexes = [index for table in tables for index in sorted(table.indexes, key=_index_name)]
    foreign_keys = [
        fk
        for table in tables
        for fk in sorted(table.foreign_key_constraints, key=_fk_columns)
        if postgres
    ]
    for fk in foreign_keys:
        connection.execute(DropConstraint(fk))
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)
    for fk in foreign_keys:
        connection.execute(AddConstraint(fk))


@contextmanager
def roomy_cache(session: Session) -> Iterator[None]:
    """SQLite: a page cache of 256 MB for this connection meanwhile (the default, 2 MB, sends
    a million-row table's pages back and forth to disk while loading and sorting it)."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = int(session.scalar(text("PRAGMA cache_size")) or 0)
    session.execute(text(f"PRAGMA cache_size = {-256 * 1024}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {before}"))


def _has_at_most(session: Session, table: str, count: int) -> bool:
    """Whether a table has `count` rows or fewer, counting no further than that."""
    sample = text(f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT :n) AS sample')
    return int(session.scalar(sample, {"n": count + 1}) or 0) <= count


def _index_name(index: Index) -> str:
    return str(index.name)


def _fk_columns(fk: ForeignKeyConstraint) -> list[str]:
    return list(fk.column_keys)
