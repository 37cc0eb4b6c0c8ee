"""How an export is streamed (SPEC §7: a million touchpoints without holding them in memory).

An export is read only while its chunks are iterated: one Core statement per list, fetched
`FETCH_ROWS` at a time (a server-side cursor on PostgreSQL; SQLite's cursor steps through the
table as it is read), each row formatted and dropped, the text handed on in chunks of about
`CHUNK_CHARS`. Its rows so never sit in memory at once, in the database driver or here.

The chunks read through a session of their own, opened by the first chunk and closed after the
last one, or when the iteration is abandoned (a client that disconnects): a streamed answer is
still being sent after the request's own session has ended. The whole export is one read
transaction, so it is one consistent snapshot of the team however long it takes to send. That
session reads the read replica when there is one (Database.replica_session).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from reachout.db import Database
from reachout.kit.csvfile import CsvWriter

# Rows fetched from the database at a time, and the size of the text handed on at a time.
FETCH_ROWS = 5_000
CHUNK_CHARS = 64 * 1024

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
JSONL_MEDIA_TYPE = "application/x-ndjson"

# A statement of any columns.
Rows = Select[*tuple[Any, ...]]
# Rows written so far, told as the export goes.
Progress = Callable[[int], None]

# `json.dumps(..., ensure_ascii=False)`, without making an encoder for each line.
_to_json = json.JSONEncoder(ensure_ascii=False).encode


@dataclass(frozen=True)
class Export:
    """One export, checked: nothing is read until `chunks()` is iterated."""

    db: Database
    filename: str
    # One JSON object per line; otherwise CSV, with `header` first.
    jsonl: bool
    # The rows' statement: what `count()` counts.
    statement: Rows
    # The records to write, read on the export's session: CSV cells, or a JSON object.
    records: Callable[[Session], Iterator[Any]]
    header: Sequence[str]

    @property
    def media_type(self) -> str:
        return JSONL_MEDIA_TYPE if self.jsonl else CSV_MEDIA_TYPE

    def count(self) -> int:
        """How many records the export has now (a read of its own: for a progress bar)."""
        counted = select(func.count()).select_from(self.statement.order_by(None).subquery())
        with self.db.replica_session() as session:
            return int(session.scalar(counted) or 0)

    def chunks(
        self, progress: Progress | None = None, *, session: Session | None = None
    ) -> Iterator[str]:
        """The export's text, a chunk at a time, on a read session held only meanwhile:
        `session` (closed at the end), or a replica_session of its own."""
        session = session or self.db.replica_session()
        try:
            records = self.records(session)
            if progress is not None:
                records = _told(records, progress)
            if self.jsonl:
                yield from _jsonl_chunks(records)
            else:
                yield from _csv_chunks(self.header, records)
        finally:
            session.close()


def fetched(session: Session, statement: Rows) -> Iterator[Row[Any]]:
    """The statement's rows, fetched FETCH_ROWS at a time (yield_per: a server-side cursor on
    PostgreSQL, where psycopg would otherwise fetch the whole result at once). Through the
    session's connection: plain rows, without the ORM's loading steps for each."""
    connection = session.connection()
    yield from connection.execute(statement.execution_options(yield_per=FETCH_ROWS))


def instant(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with `Z`, as the API writes instants."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _told(records: Iterator[Any], progress: Progress) -> Iterator[Any]:
    done = 0
    for record in records:
        yield record
        done += 1
        if done % 1_000 == 0:
            progress(done)
    progress(done)


def _csv_chunks(header: Sequence[str], records: Iterable[Sequence[Any]]) -> Iterator[str]:
    """A header line then one line per record (SPEC §7's injection rule: kit/csvfile.py)."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(header)
    for cells in records:
        writer.writerow(cells)
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _jsonl_chunks(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON object per line, values as they are (no CSV quoting: SPEC §7)."""
    lines: list[str] = []
    size = 0
    for record in records:
        line = _to_json(record) + "\n"
        lines.append(line)
        size += len(line)
        if size >= CHUNK_CHARS:
            yield "".join(lines)
            lines, size = [], 0
    if lines:
        yield "".join(lines)
