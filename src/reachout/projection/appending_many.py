"""Logging one touchpoint for each of many candidates at the end of their histories: the bulk
"now" (SPEC §2 rule 7), in as few statements per table as a bulk of one.

As for the single log (`appending`), touchpoints that no live touchpoint of their candidates
follows change nothing before them, so what they do to the derived data follows from what is
read once, under the team's lock, before anything is written:

- whether some live touchpoint of theirs comes later: then this is not the path, and the bulk
  goes through `history_change`, which re-resolves and rebuilds from the bulk's instant on;
- each candidate's latest thread: what a follow-up or a reply extends (SPEC §3);
- for Auto outreach, each candidate's last live outreach (SPEC §2 rule 3): without a
  re-engagement window, a candidate with a thread has one (its initial), so only the
  candidates without a thread are looked up.

The designations are then decided here, in Python (`designations.designation_after`, the rule
the SQL of `resolve_auto_designations` states for any history); the writer inserts the rows
with them; `appended` starts the threads of the initials (one INSERT ... SELECT of the batch's
rows), extends the latest threads of the others (one UPDATE by id) and adds one activity cell
(one upsert): nothing is counted again. `history_change` reaches the same result for any
change; tests/projection/test_appending_many.py runs both on the same histories.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select, update
from sqlalchemy.orm import Session

from reachout.kit.sql import id_list, micros_between
from reachout.models import Team, Thread, Touchpoint
from reachout.models.activity import NO_PROJECT_KEY, NO_SEQUENCE_KEY, NO_STAGE_KEY
from reachout.models.base import UTCDateTime
from reachout.models.enums import Designation, Kind
from reachout.projection.activity import add_counts, counts_of
from reachout.projection.designations import designation_after
from reachout.projection.enrollments import stop_replied
from reachout.projection.threads import NO_STATUS, start_threads

# (candidate id, designation: None for a reply), one per candidate of a bulk, in id order.
Designated = list[tuple[int, str | None]]


@dataclass(frozen=True)
class BatchEnds:
    """Candidates' histories as seen from the instant a bulk logs at, read under the team's lock
    with nothing live after that instant."""

    at: datetime
    # Each candidate's latest thread (None: none), in candidate id order.
    latest_thread: dict[int, int | None]
    # Each candidate's last live outreach, where Auto needs it (see `history_ends`).
    last_outreach_at: dict[int, datetime | None]


def history_ends(
    session: Session,
    *,
    team: Team,
    candidate_ids: Sequence[int],
    at: datetime,
    auto_outreach: bool,
) -> BatchEnds | None:
    """What a bulk at `at` for these candidates needs to know; None when some live touchpoint of
    theirs is later than `at` (the bulk is not at the end of their histories).

    The team's histories must be locked already (`kit.sql.lock_team_histories`)."""
    if _any_later(session, team_id=team.id, candidate_ids=candidate_ids, at=at):
        return None
    latest = _latest_threads(session, candidate_ids)
    last_outreach: dict[int, datetime | None] = {}
    if auto_outreach:
        # A thread starts at a live initial outreach, at `at` or before: with no re-engagement
        # window, that settles it (follow-up) for every candidate who has one.
        unknown = (
            [c for c, thread in latest.items() if thread is None]
            if team.reengage_after_days is None
            else list(latest)
        )
        last_outreach = _last_outreach(session, unknown, at=at)
    return BatchEnds(at, latest, last_outreach)


def designated(
    ends: BatchEnds, *, kind: Kind, designation: str | None, auto: bool, reengage: int | None
) -> Designated:
    """Each candidate's designation: Auto resolved (SPEC §2 rule 3), explicit as given, None for
    a reply."""
    if kind == Kind.reply:
        return [(c, None) for c in ends.latest_thread]
    if not auto:
        return [(c, designation) for c in ends.latest_thread]
    rows: Designated = []
    for candidate_id, thread in ends.latest_thread.items():
        if candidate_id in ends.last_outreach_at:
            previous = ends.last_outreach_at[candidate_id]
            rows.append((candidate_id, designation_after(previous, ends.at, reengage).value))
        else:  # A thread, hence a live outreach before, and no window to reopen it.
            assert thread is not None
            rows.append((candidate_id, Designation.follow_up.value))
    return rows


def appended(
    session: Session,
    *,
    ends: BatchEnds,
    rows: Designated,
    new: ColumnElement[bool],
    values: dict[str, Any],
) -> dict[str, int]:
    """Count touchpoints just logged at `ends.at` (the rows `new` selects, one per candidate of
    `rows`, with its designation; every other column as in `values`) in their threads and their
    activity cell; the touchpoints written, initial and follow-up."""
    by = Counter(d for _, d in rows)
    start_threads(session, new=new)
    kind = Kind(values["kind"])
    extended = [
        thread
        for (candidate_id, d), thread in zip(rows, ends.latest_thread.values(), strict=True)
        if thread is not None and d != Designation.initial.value
    ]
    if extended:
        _extend_threads(session, extended, kind=kind, at=ends.at, status=values["reply_status"])
    cell = {
        "team_id": values["team_id"],
        "local_day": values["local_day"],
        "channel": values["channel"],
        "user_id": values["user_id"],
        "project_key": values["project_id"] or NO_PROJECT_KEY,
        "sequence_key": NO_SEQUENCE_KEY,
        "stage_key": NO_STAGE_KEY,
    }
    counts: Counter[str] = Counter()
    for d, n in by.items():
        for name, flag in counts_of(kind.value, d, values["reply_status"]).items():
            counts[name] += flag * n
    add_counts(session, [cell | dict(counts)])
    if kind == Kind.reply:
        # The stop rule of sequences (SPEC §9), in the replies' transaction.
        stop_replied(session, candidate_ids=list(ends.latest_thread))
    return {
        "created": len(rows),
        "initial": by.get(Designation.initial.value, 0),
        "follow_up": by.get(Designation.follow_up.value, 0),
    }


def _any_later(
    session: Session, *, team_id: int, candidate_ids: Sequence[int], at: datetime
) -> bool:
    """Whether a live touchpoint of these candidates is later than `at`. Read along the team's
    (team_id, occurred_at) index from `at` on: what comes after "now" is a handful of rows,
    where a look at each candidate's history would be one descent per candidate."""
    tp = Touchpoint
    later = (
        select(tp.id)
        .where(
            tp.team_id == team_id,
            tp.occurred_at > at,
            tp.deleted_at.is_(None),
            tp.candidate_id.in_(id_list(session, candidate_ids)),
        )
        .limit(1)
    )
    return session.execute(later).first() is not None


def _latest_threads(session: Session, candidate_ids: Sequence[int]) -> dict[int, int | None]:
    chosen = id_list(session, candidate_ids).subquery("chosen")
    latest = (
        select(Thread.id)
        .where(Thread.candidate_id == chosen.c.id)
        .order_by(Thread.started_at.desc(), Thread.id.desc())
        .limit(1)
        .correlate(chosen)
        .scalar_subquery()
    )
    rows = session.execute(select(chosen.c.id, latest).order_by(chosen.c.id)).all()
    return {int(c): thread for c, thread in rows}


def _last_outreach(
    session: Session, candidate_ids: Sequence[int], *, at: datetime
) -> dict[int, datetime | None]:
    """Each candidate's last live outreach at `at` or before (None: none)."""
    if not candidate_ids:
        return {}
    tp = Touchpoint
    chosen = id_list(session, candidate_ids).subquery("chosen")
    last = (
        select(tp.occurred_at)
        .where(
            tp.candidate_id == chosen.c.id,
            tp.kind == Kind.outreach.value,
            tp.deleted_at.is_(None),
            tp.occurred_at <= literal(at, UTCDateTime()),
        )
        .order_by(tp.occurred_at.desc(), tp.id.desc())
        .limit(1)
        .correlate(chosen)
        .scalar_subquery()
    )
    return {int(c): previous for c, previous in session.execute(select(chosen.c.id, last)).all()}


def _extend_threads(
    session: Session, thread_ids: list[int], *, kind: Kind, at: datetime, status: str | None
) -> None:
    """A follow-up or a reply at `at` added to each of these threads (one per candidate)."""
    th = Thread
    if kind == Kind.reply:
        moment = literal(at, UTCDateTime())
        changes: dict[str, Any] = {
            "first_reply_at": func.coalesce(th.first_reply_at, moment),
            "reply_micros": func.coalesce(th.reply_micros, micros_between(th.started_at, moment)),
            "latest_reply_status": status or NO_STATUS,
        }
    else:
        changes = {
            "follow_ups": th.follow_ups + 1,
            "outreach_before_reply": th.outreach_before_reply
            + case((th.first_reply_at.is_(None), 1), else_=0),
        }
    # IN (SELECT ...): one index probe per thread, whatever the size of the thread table.
    session.execute(
        update(th)
        .where(th.id.in_(id_list(session, thread_ids)))
        .values(changes)
        .execution_options(synchronize_session=False)
    )
