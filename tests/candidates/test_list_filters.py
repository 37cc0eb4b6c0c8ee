"""The candidates list's views: each sort and filter (on the last contact, in SQL), the count,
numbered pages, select-all over the same search, the page's address round trip, and the API's
filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.orm import Session

from reachout.candidates import listing, membership, service
from reachout.candidates.pages import ListForm, address
from reachout.candidates.schemas import CandidateListQuery, CandidateSearch
from reachout.db import Database
from reachout.errors import Invalid
from reachout.models import User
from reachout.models.enums import Kind, ReplyStatus
from reachout.touchpoints import service as touchpoints
from tests.factories import World, make_candidate, make_project, make_team, make_user
from tests.problems import assert_problem
from tests.touchpoints.helpers import log

LA = ZoneInfo("America/Los_Angeles")
NAMES = ["Ada", "Bob", "cyd", "Dee", "Eve", "Fay"]


def la(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LA)


@dataclass
class Team:
    admin: User
    member: User
    ids: dict[str, int]
    project_id: int


def history(session: Session, admin: User, member: User) -> tuple[dict[str, int], int]:
    """Six candidates of a team in Los Angeles, added in NAMES order:
    Ada: the admin's outreach on 1 Mar, "interested" on 2 Mar; in the project.
    Bob: the member's outreach at 23:30 on 5 Mar (6 Mar in UTC), "later" on 6 Mar.
    cyd: the admin's outreach on 10 Feb, the member's follow-up on 4 Mar; no reply.
    Dee: never reached out to; an inbound reply without a status on 3 Mar.
    Eve: nothing; in the project.  Fay: an outreach, deleted.
    """
    team = admin.team
    c = {name: make_candidate(session, team=team, name=f"{name} Person") for name in NAMES}
    reply, interested, later = Kind.reply, ReplyStatus.interested, ReplyStatus.later
    log(session, admin, c["Ada"].id, la("2026-03-01 10:00"))
    log(session, admin, c["Ada"].id, la("2026-03-02 10:00"), kind=reply, reply_status=interested)
    log(session, member, c["Bob"].id, la("2026-03-05 23:30"))
    log(session, member, c["Bob"].id, la("2026-03-06 09:00"), kind=reply, reply_status=later)
    log(session, admin, c["cyd"].id, la("2026-02-10 09:00"))
    log(session, member, c["cyd"].id, la("2026-03-04 08:00"))
    log(session, member, c["Dee"].id, la("2026-03-03 12:00"), kind=reply)
    gone = log(session, admin, c["Fay"].id, la("2026-03-07 12:00"))
    touchpoints.delete_touchpoint(session, actor=admin, touchpoint_id=gone.id)
    project = make_project(session, team=team, candidates=[c["Ada"], c["Eve"]])
    return {name: candidate.id for name, candidate in c.items()}, project.id


@pytest.fixture
def team(session: Session) -> Team:
    t, admin = make_team(session, time_zone="America/Los_Angeles")
    member = make_user(session, team=t)
    ids, project_id = history(session, admin, member)
    # Another team's candidate, contacted by its own admin: never in these lists.
    other, stranger = make_team(session, time_zone="America/Los_Angeles")
    elsewhere = make_candidate(session, team=other, name="Ada Elsewhere")
    log(session, stranger, elsewhere.id, la("2026-03-01 10:00"))
    return Team(admin=admin, member=member, ids=ids, project_id=project_id)


def names(session: Session, team: Team, **query: Any) -> list[str]:
    """The first names the list shows for this query (one page of 50), in order."""
    shown = listing.list_page(session, actor=team.admin, query=CandidateListQuery(**query))
    by_id = {v: k for k, v in team.ids.items()}
    return [by_id[c.id] for c in shown.items]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("added", ["Ada", "Bob", "cyd", "Dee", "Eve", "Fay"]),
        ("-added", ["Fay", "Eve", "Dee", "cyd", "Bob", "Ada"]),
        ("name", ["Ada", "Bob", "cyd", "Dee", "Eve", "Fay"]),  # ignoring case
        ("-name", ["Fay", "Eve", "Dee", "cyd", "Bob", "Ada"]),
        # Never contacted (or replied) come last either way, in the order they were added.
        ("-last_contacted", ["Bob", "cyd", "Ada", "Dee", "Eve", "Fay"]),
        ("last_contacted", ["Ada", "cyd", "Bob", "Dee", "Eve", "Fay"]),
        ("-latest_reply", ["Bob", "Dee", "Ada", "cyd", "Eve", "Fay"]),
        ("latest_reply", ["Ada", "Dee", "Bob", "cyd", "Eve", "Fay"]),
    ],
)
def test_each_sort(session: Session, team: Team, sort: str, expected: list[str]) -> None:
    assert names(session, team, sort=sort) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"contacted": "yes"}, ["Ada", "Bob", "cyd"]),
        ({"contacted": "no"}, ["Dee", "Eve", "Fay"]),
        ({"reply": "none"}, ["cyd", "Eve", "Fay"]),
        ({"reply": "any"}, ["Ada", "Bob", "Dee"]),
        ({"reply": "interested"}, ["Ada"]),
        ({"reply": "later"}, ["Bob"]),
        ({"reply": "not_interested"}, []),
        ({"owner": "member"}, ["Bob", "cyd"]),  # who logged the latest outreach
        ({"owner": "admin"}, ["Ada"]),
        # Days in the team's time zone: Bob's outreach was on 5 Mar there (6 Mar in UTC).
        ({"contacted_from": "2026-03-05"}, ["Bob"]),
        ({"contacted_from": "2026-03-06"}, []),
        ({"contacted_to": "2026-03-04"}, ["Ada", "cyd"]),
        ({"contacted_from": "2026-03-01", "contacted_to": "2026-03-01"}, ["Ada"]),
        ({"project": True}, ["Ada", "Eve"]),
        ({"q": "PERSON", "reply": "none", "contacted": "no"}, ["Eve", "Fay"]),
        ({"owner": "member", "contacted_from": "2026-03-04", "reply": "none"}, ["cyd"]),
        ({"project": True, "contacted": "yes", "sort": "-last_contacted"}, ["Ada"]),
    ],
)
def test_each_filter_and_combinations(
    session: Session, team: Team, query: dict[str, Any], expected: list[str]
) -> None:
    # A copy: the parameters are shared by the runs on each database.
    query = dict(query)
    if "owner" in query:
        query["owner_id"] = getattr(team, query.pop("owner")).id
    if query.pop("project", False):
        query["project_id"] = team.project_id
    assert names(session, team, **query) == expected
    # The count is the search's, and select-all chooses exactly what the list shows.
    search = CandidateListQuery(**query).search()
    assert service.count_matching(session, actor=team.admin, search=search) == len(expected)
    chosen = service.matching_ids(session, actor=team.admin, search=search)
    assert sorted(chosen) == sorted(team.ids[name] for name in expected)


def test_select_all_adds_what_the_search_and_filters_find(session: Session, team: Team) -> None:
    target = make_project(session, team=team.admin.team)
    change = membership.add_chosen(
        session,
        actor=team.admin,
        project_id=target.id,
        chosen=CandidateSearch(reply="none"),  # type: ignore[arg-type]
        field="project_id",
    )
    assert (change.chosen, change.changed) == (3, 3)
    listed = names(session, team, project_id=target.id)
    assert listed == ["cyd", "Eve", "Fay"]


def test_numbered_pages_count_and_a_page_past_the_end(session: Session, team: Team) -> None:
    def page(number: int, sort: str = "name") -> tuple[list[int], int, int, int]:
        query = CandidateListQuery(sort=sort, page=number)  # type: ignore[arg-type]
        shown = listing.list_page(session, actor=team.admin, query=query, size=4)
        return [c.id for c in shown.items], shown.total, shown.page, shown.pages

    ids = team.ids
    assert page(1) == ([ids[n] for n in ("Ada", "Bob", "cyd", "Dee")], 6, 1, 2)
    assert page(2) == ([ids["Eve"], ids["Fay"]], 6, 2, 2)
    # Past the last page (the list shrank since the link was made): the last page.
    assert page(9) == page(2)
    assert page(1, "-last_contacted")[0] == [ids[n] for n in ("Bob", "cyd", "Ada", "Dee")]
    empty = CandidateListQuery(q="nobody", page=3)
    shown = listing.list_page(session, actor=team.admin, query=empty, size=4)
    assert (shown.items, shown.total, shown.page, shown.pages) == ([], 0, 1, 1)


def test_filters_that_name_nothing_of_the_team_are_refused(session: Session, team: Team) -> None:
    other, stranger = make_team(session)
    theirs = make_project(session, team=other)
    for query, field in [
        ({"owner_id": stranger.id}, "owner_id"),
        ({"project_id": theirs.id}, "project_id"),
        ({"contacted_from": "2026-03-02", "contacted_to": "2026-03-01"}, "contacted_to"),
    ]:
        with pytest.raises(Invalid) as caught:
            names(session, team, **query)
        assert field in {e.field for e in caught.value.errors}


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "ada & co", "sort": "-last_contacted"},
        {"reply": "later", "contacted": "yes", "page": 3},
        {
            "project_id": 7,
            "owner_id": 2,
            "contacted_from": "2026-03-01",
            "contacted_to": "2026-03-31",
        },
        {"reply": "none", "sort": "name"},
    ],
)
def test_the_address_names_the_view_and_reads_back_as_it(query: dict[str, Any]) -> None:
    view = CandidateListQuery.model_validate(query)
    text = address(view)
    assert ListForm.of(text).read() == view
    # Defaults are left out, so that one view has one address.
    assert "page=1" not in text and "sort=added" not in text
    assert address(CandidateListQuery()) == ""


# --- through the API -------------------------------------------------------------------------


def test_the_api_filters_as_the_list_does(client: httpx.Client, world: World, db: Database) -> None:
    with db.unit_of_work() as s:
        admin, member = s.merge(world.admin.user), s.merge(world.member.user)
        s.merge(admin.team).time_zone = "America/Los_Angeles"
        s.flush()
        ids, project_id = history(s, admin, member)

    def listed(**params: Any) -> list[str]:
        answer = client.get("/candidates", params=params, headers=world.member.headers)
        assert answer.status_code == 200, answer.text
        by_id = {v: k for k, v in ids.items()}
        return [by_id[c["id"]] for c in answer.json()["items"]]

    assert listed(reply="later") == ["Bob"]
    assert listed(contacted="no", reply="any") == ["Dee"]
    assert listed(owner_id=world.member.id, limit=1) == ["Bob"]
    assert listed(contacted_from="2026-03-05", contacted_to="2026-03-05") == ["Bob"]
    assert listed(project_id=project_id, contacted="yes") == ["Ada"]
    # A blank filter is no filter, as a GET form sends it.
    assert listed(reply="", owner_id="") == NAMES
    for params, field in [
        ({"contacted": "maybe"}, "contacted"),
        ({"reply": "sometimes"}, "reply"),
        ({"owner_id": world.outsider.id}, "owner_id"),
        ({"contacted_from": "2026-02-30"}, "contacted_from"),
        ({"contacted_to": "20260301"}, "contacted_to"),
        ({"contacted_from": "2026-03-02", "contacted_to": "2026-03-01"}, "contacted_from"),
    ]:
        answer = client.get("/candidates", params=params, headers=world.member.headers)
        assert_problem(answer, 422, field)
