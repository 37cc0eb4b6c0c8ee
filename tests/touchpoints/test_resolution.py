"""SPEC §2 rules 2-4: Auto designations, and how they follow every change to a history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from reachout.errors import Conflict
from reachout.models import Team, User
from reachout.models.enums import Channel, DesignationChoice, Kind
from reachout.teams import service as teams
from reachout.teams.schemas import TeamUpdate
from reachout.touchpoints import bulk, service
from reachout.touchpoints.schemas import BulkCreate, TouchpointUpdate
from tests.factories import at, make_candidate, make_project, make_team
from tests.touchpoints.helpers import designations, log

INITIAL, FOLLOW_UP = "initial", "follow_up"


@pytest.fixture
def team(session: Session) -> tuple[Team, User]:
    return make_team(session)


def test_first_auto_outreach_is_initial_and_later_ones_follow_up(
    session: Session, team: tuple[Team, User]
) -> None:
    t, admin = team
    c = make_candidate(session, team=t)
    first = log(session, admin, c.id, at("2026-03-01 09:00"))
    second = log(session, admin, c.id, at("2026-03-03 09:00"))
    third = log(session, admin, c.id, at("2026-03-05 09:00"), channel=Channel.call)
    assert (first.designation, second.designation, third.designation) == (
        INITIAL,
        FOLLOW_UP,
        FOLLOW_UP,
    )
    assert first.designation_mode == "auto"


def test_replies_are_not_outreach_and_have_no_designation(
    session: Session, team: tuple[Team, User]
) -> None:
    t, admin = team
    c = make_candidate(session, team=t)
    inbound = log(session, admin, c.id, at("2026-03-01 09:00"), kind=Kind.reply)
    outreach = log(session, admin, c.id, at("2026-03-02 09:00"))
    assert inbound.designation is None and inbound.designation_mode is None
    assert outreach.designation == INITIAL


def test_explicit_designations_are_kept_as_given(session: Session, team: tuple[Team, User]) -> None:
    t, admin = team
    c = make_candidate(session, team=t)
    explicit_follow_up = log(
        session, admin, c.id, at("2026-03-01 09:00"), designation=DesignationChoice.follow_up
    )
    auto = log(session, admin, c.id, at("2026-03-02 09:00"))
    explicit_initial = log(
        session, admin, c.id, at("2026-03-03 09:00"), designation=DesignationChoice.initial
    )
    # Backdating an auto outreach before them changes neither explicit one.
    earliest = log(session, admin, c.id, at("2026-02-01 09:00"))
    assert designations(session, c.id) == {
        explicit_follow_up.id: FOLLOW_UP,
        auto.id: FOLLOW_UP,
        explicit_initial.id: INITIAL,
        earliest.id: INITIAL,
    }
    assert explicit_follow_up.designation_mode == "explicit"


def test_backdating_an_outreach_before_the_first_makes_it_initial(
    session: Session, team: tuple[Team, User]
) -> None:
    t, admin = team
    c = make_candidate(session, team=t)
    old_first = log(session, admin, c.id, at("2026-03-10 09:00"))
    later = log(session, admin, c.id, at("2026-03-12 09:00"))
    backdated = log(session, admin, c.id, at("2026-03-01 09:00"))
    assert designations(session, c.id) == {
        backdated.id: INITIAL,
        old_first.id: FOLLOW_UP,
        later.id: FOLLOW_UP,
    }


def test_editing_a_date_re_resolves_the_history(session: Session, team: tuple[Team, User]) -> None:
    t, admin = team
    c = make_candidate(session, team=t)
    a = log(session, admin, c.id, at("2026-03-01 09:00"))
    b = log(session, admin, c.id, at("2026-03-05 09:00"))
    service.update_touchpoint(
        session,
        actor=admin,
        touchpoint_id=b.id,
        changes=TouchpointUpdate(occurred_at=at("2026-02-20 09:00")),
    )
    assert designations(session, c.id) == {a.id: FOLLOW_UP, b.id: INITIAL}


def test_same_instant_is_ordered_by_id(session: Session, team: tuple[Team, User]) -> None:
    t, admin = team
    c = make_candidate(session, team=t)
    a = log(session, admin, c.id, at("2026-03-01 09:00"))
    b = log(session, admin, c.id, at("2026-03-01 09:00"))
    assert designations(session, c.id) == {a.id: INITIAL, b.id: FOLLOW_UP}


def test_deleting_the_first_makes_the_next_auto_outreach_initial(
    session: Session, team: tuple[Team, User]
) -> None:
    t, admin = team
    c = make_candidate(session, team=t)
    first = log(session, admin, c.id, at("2026-03-01 09:00"))
    second = log(session, admin, c.id, at("2026-03-02 09:00"))
    third = log(session, admin, c.id, at("2026-03-03 09:00"))
    service.delete_touchpoint(session, actor=admin, touchpoint_id=first.id)
    assert designations(session, c.id) == {second.id: INITIAL, third.id: FOLLOW_UP}


def test_undoing_a_batch_re_resolves(session: Session, team: tuple[Team, User]) -> None:
    t, admin = team
    c1, c2 = make_candidate(session, team=t), make_candidate(session, team=t)
    project = make_project(session, team=t, candidates=[c1, c2])
    later = log(session, admin, c1.id, at("2026-03-10 09:00"))
    result = bulk.log_bulk(
        session,
        actor=admin,
        project_id=project.id,
        data=BulkCreate(all=True, channel=Channel.text, occurred_at=at("2026-03-01 09:00")),
    )
    assert (result.created, result.initial, result.follow_up) == (2, 2, 0)
    assert designations(session, c1.id)[later.id] == FOLLOW_UP
    bulk.undo_batch(session, actor=admin, batch_id=result.batch_id)
    assert designations(session, c1.id) == {later.id: INITIAL}
    assert designations(session, c2.id) == {}
    with pytest.raises(Conflict):
        bulk.undo_batch(session, actor=admin, batch_id=result.batch_id)


def test_reengagement_window_starts_over_after_more_than_n_days(
    session: Session, team: tuple[Team, User]
) -> None:
    t, admin = team
    t.reengage_after_days = 30
    c = make_candidate(session, team=t)
    start = at("2026-01-01 09:00")
    first = log(session, admin, c.id, start)
    exactly_30 = log(session, admin, c.id, start + timedelta(days=30))
    more_than_30 = log(session, admin, c.id, start + timedelta(days=60, microseconds=1))
    soon_after = log(session, admin, c.id, start + timedelta(days=61))
    assert designations(session, c.id) == {
        first.id: INITIAL,
        exactly_30.id: FOLLOW_UP,
        more_than_30.id: INITIAL,
        soon_after.id: FOLLOW_UP,
    }
    # Deleting the middle outreach opens a silence of more than 30 days before the third...
    service.delete_touchpoint(session, actor=admin, touchpoint_id=exactly_30.id)
    assert designations(session, c.id)[more_than_30.id] == INITIAL
    # ...and turning the window off resolves the whole history again, at once.
    teams.update_team(session, actor=admin, changes=TeamUpdate(reengage_after_days=None))
    assert designations(session, c.id)[more_than_30.id] == FOLLOW_UP
    teams.update_team(session, actor=admin, changes=TeamUpdate(reengage_after_days=30))
    assert designations(session, c.id)[more_than_30.id] == INITIAL
