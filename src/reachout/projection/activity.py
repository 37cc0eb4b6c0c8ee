"""The activity_day counts (SPEC §3, activity view), kept exact by every write to the ledger.

A change to some candidates' histories at `since` or later (a log, an edit, a delete, a bulk,
an undo, the auto designations it re-resolves) can only change the counts of those candidates'
touchpoints at `since` or later. `ActivityChange` counts them per cell (day, channel, user,
project, sequence stage) before the change and again after it, and adds the difference to
activity_day: one upsert of the cells that moved, in primary key order, so concurrent writers
lock shared rows in the same order. A log "now" reads nothing before, and adds 1 to one cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, case, delete, func, insert, select
from sqlalchemy.orm import Session

from reachout.kit.sql import dialect_of, in_id_list, upsert
from reachout.models import ActivityDay, Touchpoint
from reachout.models.activity import NO_PROJECT_KEY, NO_SEQUENCE_KEY, NO_STAGE_KEY
from reachout.models.enums import Designation, Kind, ReplyStatus

# A cell of activity_day (its KEY), and its counts in COUNTS order.
Cell = tuple[Any, ...]
Counts = tuple[int, ...]

KEY = ("local_day", "channel", "user_id", "project_key", "sequence_key", "stage_key")
COUNTS = (
    "outreach",
    "initial",
    "follow_up",
    "replies",
    "interested",
    "not_interested",
    "later",
)


def _counted() -> list[ColumnElement[int]]:
    tp = Touchpoint
    conditions = {
        "outreach": tp.kind == Kind.outreach.value,
        "initial": tp.designation == Designation.initial.value,
        "follow_up": tp.designation == Designation.follow_up.value,
        "replies": tp.kind == Kind.reply.value,
        **{s.value: tp.reply_status == s.value for s in ReplyStatus},
    }
    return [func.count(case((conditions[name], 1))) for name in COUNTS]


def counts_of(kind: str, designation: str | None, reply_status: str | None) -> dict[str, int]:
    """What one touchpoint adds to its cell: `_counted`'s conditions, for one known row."""
    return {
        "outreach": int(kind == Kind.outreach.value),
        "initial": int(designation == Designation.initial.value),
        "follow_up": int(designation == Designation.follow_up.value),
        "replies": int(kind == Kind.reply.value),
        **{s.value: int(reply_status == s.value) for s in ReplyStatus},
    }


def _cells_of(*where: ColumnElement[bool]) -> Any:
    """The live touchpoints matching `where`, counted per (team, cell)."""
    tp = Touchpoint
    key = (
        tp.team_id,
        tp.local_day,
        tp.channel,
        tp.user_id,
        func.coalesce(tp.project_id, NO_PROJECT_KEY),
        func.coalesce(tp.sequence_id, NO_SEQUENCE_KEY),
        func.coalesce(tp.sequence_stage, NO_STAGE_KEY),
    )
    return select(*key, *_counted()).where(*where, tp.deleted_at.is_(None)).group_by(*key)


class ActivityChange:
    """The counts of some candidates' touchpoints at `since` or later, before and after a change."""

    def __init__(
        self,
        session: Session,
        *,
        team_id: int,
        candidate_ids: Sequence[int],
        since: datetime | None,
    ) -> None:
        self.team_id = team_id
        self.candidate_ids = candidate_ids
        self.since = since
        self.before = self._count(session)

    def _count(self, session: Session) -> dict[Cell, Counts]:
        if not self.candidate_ids:
            return {}
        tp = Touchpoint
        where = [
            tp.team_id == self.team_id,
            in_id_list(session, tp.candidate_id, self.candidate_ids),
        ]
        if self.since is not None:
            where.append(tp.occurred_at >= self.since)
        cells = session.execute(_cells_of(*where))
        return {tuple(row[1 : 1 + len(KEY)]): tuple(row[1 + len(KEY) :]) for row in cells}

    def apply(self, session: Session) -> None:
        """Count again (the change is made and flushed) and add the difference."""
        after = self._count(session)
        rows = []
        for cell in sorted(self.before.keys() | after.keys()):
            was = self.before.get(cell, (0,) * len(COUNTS))
            now = after.get(cell, (0,) * len(COUNTS))
            delta = [n - w for n, w in zip(now, was, strict=True)]
            if any(delta):
                rows.append(
                    {
                        "team_id": self.team_id,
                        **dict(zip(KEY, cell, strict=True)),
                        **dict(zip(COUNTS, delta, strict=True)),
                    }
                )
        if rows:
            add_counts(session, rows)


def add_counts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add these counts (each row: a cell's key and every count) to their cells, creating the
    cells that are new."""
    session.connection().execute(add_statement(dialect_of(session)), rows)


@cache
def add_statement(dialect: str) -> Any:
    """The upsert of `add_counts`, built once per dialect: a single log runs it on every
    request. Its parameters are a row's names."""
    table = cast(Table, ActivityDay.__table__)
    columns = ("team_id", *KEY, *COUNTS)
    stmt = upsert(dialect, table).values({name: bindparam(name) for name in columns})
    return stmt.on_conflict_do_update(
        index_elements=["team_id", *KEY],
        set_={name: table.c[name] + stmt.excluded[name] for name in COUNTS},
    )


def rebuild_activity(session: Session, *, team_id: int) -> None:
    """Count the team's whole ledger again (its time zone changed, or it was just loaded)."""
    session.execute(delete(ActivityDay).where(ActivityDay.team_id == team_id))
    session.execute(
        insert(ActivityDay).from_select(
            ["team_id", *KEY, *COUNTS], _cells_of(Touchpoint.team_id == team_id)
        )
    )
