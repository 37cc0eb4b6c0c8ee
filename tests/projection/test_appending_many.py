"""The bulk "now" (`projection.appending_many`, a fast path) against its plain reference
(`history_change`): for random histories of a project's candidates and a bulk at or after their
end, both leave the same designations, threads, activity counts and batch counts, and those
equal a rebuild from scratch and a recount of the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.models import Team, Thread, Touchpoint, User
from reachout.models.enums import Channel, DesignationChoice, Kind, ReplyStatus
from reachout.projection import appending_many
from reachout.projection.threads import rebuild_threads
from reachout.touchpoints import bulk, service
from reachout.touchpoints.schemas import BulkCreate
from tests.factories import make_candidate, make_project, make_team
from tests.projection.test_property import BASE, activity_rows, counted_activity
from tests.touchpoints.helpers import log

CANDIDATES = 4
instants = st.integers(min_value=0, max_value=20).map(lambda k: BASE + timedelta(hours=12 * k))
choices = st.sampled_from(
    [None, DesignationChoice.auto, DesignationChoice.initial, DesignationChoice.follow_up]
)
statuses = st.sampled_from([None, *ReplyStatus])
# One logged touchpoint: (candidate index, instant, kind, designation, reply status, deleted).
entries = st.tuples(
    st.integers(0, CANDIDATES - 1),
    instants,
    st.sampled_from([Kind.outreach, Kind.outreach, Kind.reply]),
    choices,
    statuses,
    st.sampled_from([True, True, True, False]),
)
# The bulk: half-days after the last live touchpoint (0: at the same instant), kind,
# designation, reply status.
bulks = st.tuples(
    st.integers(0, 30), st.sampled_from([Kind.outreach, Kind.reply]), choices, statuses
)


def _state(session: Session, team: Team) -> tuple[Any, ...]:
    """Everything a bulk derives, without ids (the two paths draw different ones)."""
    session.expire_all()
    designations = session.execute(
        select(Touchpoint.candidate_id, Touchpoint.kind, Touchpoint.designation)
        .where(Touchpoint.team_id == team.id, Touchpoint.deleted_at.is_(None))
        .order_by(Touchpoint.candidate_id, Touchpoint.occurred_at, Touchpoint.id)
    ).all()
    threads = session.execute(
        select(
            Thread.candidate_id,
            Thread.started_at,
            Thread.start_day,
            Thread.channel,
            Thread.project_id,
            Thread.follow_ups,
            Thread.outreach_before_reply,
            Thread.first_reply_at,
            Thread.reply_micros,
            Thread.latest_reply_status,
        )
        .where(Thread.team_id == team.id)
        .order_by(Thread.candidate_id, Thread.started_at)
    ).all()
    return designations, threads, activity_rows(session, team.id)


@contextmanager
def _general_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Bulks go through `history_change` whatever the histories."""
    with monkeypatch.context() as m:
        m.setattr(appending_many, "history_ends", lambda *a, **k: None)
        yield


@contextmanager
def _fast_path_taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The block's bulk goes the fast way (nothing live after its instant)."""
    seen: list[object] = []
    real = appending_many.history_ends

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(real(*args, **kwargs))
        return seen[-1]

    with monkeypatch.context() as m:
        m.setattr(appending_many, "history_ends", spy)
        yield
    assert seen and seen[-1] is not None


def test_a_bulk_at_the_end_matches_the_general_path(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    team, admin = make_team(session)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        history=st.lists(entries, max_size=10),
        bulk_op=bulks,
        reengage=st.one_of(st.none(), st.integers(min_value=1, max_value=5)),
    )
    def check(history: list[tuple], bulk_op: tuple, reengage: int | None) -> None:  # type: ignore[type-arg]
        outer = session.begin_nested()
        try:
            team.reengage_after_days = reengage
            candidates = [make_candidate(session, team=team) for _ in range(CANDIDATES)]
            project = make_project(session, team=team, candidates=candidates)
            last = BASE
            for index, when, kind, choice, status, kept in history:
                tp = log(
                    session,
                    admin,
                    candidates[index].id,
                    when,
                    kind=kind,
                    designation=choice if kind == Kind.outreach else None,
                    reply_status=status if kind == Kind.reply else None,
                )
                if kept:
                    last = max(last, when)
                else:
                    service.delete_touchpoint(session, actor=admin, touchpoint_id=tp.id)
            after, kind, choice, status = bulk_op
            data = BulkCreate(
                all=True,
                kind=kind,
                channel=Channel.text,
                designation=choice if kind == Kind.outreach else None,
                reply_status=status if kind == Kind.reply else None,
                occurred_at=last + timedelta(hours=12 * after),
            )
            fast = _bulk(session, admin, team, project.id, data, reference=False)
            general = _bulk(session, admin, team, project.id, data, reference=True)
            assert fast == general
        finally:
            outer.rollback()

    def _bulk(
        session: Session,
        admin: User,
        team: Team,
        project_id: int,
        data: BulkCreate,
        *,
        reference: bool,
    ) -> tuple[Any, ...]:
        savepoint = session.begin_nested()
        try:
            if reference:
                with _general_path(monkeypatch):
                    result = bulk.log_bulk(session, actor=admin, project_id=project_id, data=data)
            else:
                with _fast_path_taken(monkeypatch):
                    result = bulk.log_bulk(session, actor=admin, project_id=project_id, data=data)
            state = _state(session, team)
            # Both equal what is derived from scratch.
            assert state[2] == counted_activity(session, team.id)
            candidate_ids = list({c for c, _, _ in state[0]})
            rebuild_threads(session, team_id=team.id, candidate_ids=candidate_ids)
            assert _state(session, team)[1] == state[1]
            return (result.created, result.initial, result.follow_up, *state)
        finally:
            savepoint.rollback()

    check()


def test_a_bulk_before_later_history_takes_the_general_path(session: Session) -> None:
    team, admin = make_team(session)
    candidate = make_candidate(session, team=team)
    project = make_project(session, team=team, candidates=[candidate])
    log(session, admin, candidate.id, BASE + timedelta(days=2))
    ends = appending_many.history_ends(
        session, team=team, candidate_ids=[candidate.id], at=BASE, auto_outreach=True
    )
    assert ends is None
    data = BulkCreate(candidate_ids=[candidate.id], channel=Channel.text, occurred_at=BASE)
    result = bulk.log_bulk(session, actor=admin, project_id=project.id, data=data)
    # The bulk's outreach comes first now: it is the initial, the later one a follow-up.
    assert (result.initial, result.follow_up) == (1, 0)
    session.expire_all()
    stored = session.scalars(
        select(Touchpoint.designation)
        .where(Touchpoint.candidate_id == candidate.id)
        .order_by(Touchpoint.occurred_at)
    ).all()
    assert stored == ["initial", "follow_up"]
