"""The SQL statements an action runs, with the time each took: where a slow action's time goes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any
    seconds: float

    @property
    def summary(self) -> str:
        """The statement's first words, enough to tell which one it is."""
        words = " ".join(self.sql.split())
        return words if len(words) <= 70 else words[:67] + "..."


@contextmanager
def recorded(*engines: Engine) -> Iterator[list[Statement]]:
    """The statements run on these engines while the block runs (pass `*db.engines`: on a
    SQLite file, writes go through an engine of their own)."""
    seen: list[Statement] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        started = conn.info["bench_started"].pop()
        seen.append(Statement(statement, parameters, time.perf_counter() - started))

    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)


def heaviest(statements: list[Statement], count: int) -> list[tuple[str, int, float]]:
    """(statement, times run, seconds in all) of the `count` that took longest together."""
    totals: dict[str, tuple[int, float]] = {}
    for s in statements:
        runs, seconds = totals.get(s.summary, (0, 0.0))
        totals[s.summary] = (runs + 1, seconds + s.seconds)
    ranked = sorted(totals.items(), key=lambda item: -item[1][1])
    return [(summary, runs, seconds) for summary, (runs, seconds) in ranked[:count]]
