"""The few statements that differ between SQLite and PostgreSQL, each in one place.

Everything else in Reachout is portable SQLAlchemy; tests run these helpers on both databases.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Integer, Select, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import DateTime

from reachout.models import Candidate


def id_list(session: Session, ids: Sequence[int]) -> Select[Any]:
    """A one-column (`id`) SELECT over a list of integers, sent as a single parameter.

    Bulk requests carry up to 50,000 ids: more than either driver accepts as separate
    parameters, and far slower as a temporary table filled row by row.
    """
    if session.get_bind().dialect.name == "postgresql":
        param = bindparam("id_list", value=list(ids), type_=ARRAY(BigInteger))
        return select(func.unnest(param).column_valued("id", Integer))  # type: ignore[arg-type]
    param = bindparam("id_list", value=json.dumps(list(ids)))
    each = func.json_each(param).table_valued("value")
    return select(each.c.value.label("id"))


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
    return f"(strftime('%Y-%m-%d %H:%M:%S', {ts}, ({days}) || ' days') || substr({ts}, 20))"


def lock_candidates(session: Session, candidate_ids: Select[Any] | Sequence[int]) -> None:
    """Serialise writers of these candidates' histories until the transaction ends.

    Auto designations are decided from the candidate's other touchpoints, so two transactions
    logging for one candidate at once must not both decide on a history without the other's
    row (SPEC §2 rule 5). PostgreSQL: row locks on the candidates, taken in id order so that
    two bulk requests cannot deadlock; FOR NO KEY UPDATE, so inserts that merely reference a
    candidate (its emails, memberships) are not held up. SQLite: nothing to do, a write
    transaction already holds the database's write lock from its first statement (BEGIN
    IMMEDIATE, see reachout.db).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = candidate_ids if isinstance(candidate_ids, Select) else list(candidate_ids)
    session.execute(
        select(Candidate.id)
        .where(Candidate.id.in_(ids))
        .order_by(Candidate.id)
        .with_for_update(key_share=True)
    ).all()
