from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from reachout.db import Database
from reachout.models import AuditEvent, CandidateEmail, Touchpoint, User
from tests.candidates.helpers import create
from tests.conftest import LiveServer
from tests.factories import World, at, make_candidate
from tests.problems import assert_problem
from tests.touchpoints.helpers import log


def test_create_answers_the_candidate_and_get_reads_it_back(
    client: httpx.Client, world: World
) -> None:
    body = {
        "name": "  Jane Doe ",
        "emails": ["Jane@Example.org", "jane.doe@work.example.com"],
        "phone": "+1 555 0100",
        "linkedin_url": "https://www.linkedin.com/in/jane-doe/",
        "title": "Staff Engineer",
        "company": "Acme",
        "location": "Lisbon",
    }
    r = client.post("/candidates", json=body, headers=world.member.headers)
    assert r.status_code == 201
    created = r.json()
    assert created["name"] == "Jane Doe"
    assert created["emails"] == ["Jane@example.org", "jane.doe@work.example.com"]
    assert created["primary_email"] == "Jane@example.org"
    assert created["linkedin_url"] == "https://www.linkedin.com/in/jane-doe"
    assert (created["phone"], created["title"], created["company"], created["location"]) == (
        "+1 555 0100",
        "Staff Engineer",
        "Acme",
        "Lisbon",
    )
    assert created["project_ids"] == []
    assert created["created_at"] and created["updated_at"]
    r = client.get(f"/candidates/{created['id']}", headers=world.admin.headers)
    assert r.status_code == 200
    assert r.json() == created


def test_only_the_name_is_required_and_blank_text_is_null(
    client: httpx.Client, world: World
) -> None:
    created = create(client, world.member, name="Solo", title="   ", company="")
    assert created["emails"] == []
    assert created["primary_email"] is None
    assert created["title"] is None and created["company"] is None


@pytest.mark.parametrize(
    "first, second",
    [
        ("jane@example.org", " JANE@Example.ORG "),
        ("jane@example.org", "Jane@example.org"),
    ],
)
def test_a_duplicate_email_is_409_with_the_existing_id(
    client: httpx.Client, world: World, first: str, second: str
) -> None:
    existing = create(client, world.member, emails=["other@example.org", first])
    r = client.post(
        "/candidates",
        json={"name": "Jane Again", "emails": [second]},
        headers=world.admin.headers,
    )
    body = assert_problem(r, 409)
    assert body["existing_id"] == existing["id"]
    assert "jane@example.org" in body["detail"]


@pytest.mark.parametrize(
    "spelling",
    [
        "linkedin.com/in/jane-doe",
        "https://www.LinkedIn.com/in/Jane-Doe/",
        "http://linkedin.com/in/jane-doe?trk=profile#about",
        "  www.linkedin.com/in/JANE-DOE//  ",
        "https://uk.linkedin.com/in/jane-doe",
        "m.linkedin.com/in/jane-doe/details/experience/",
    ],
)
def test_a_duplicate_linkedin_url_is_409_whatever_its_spelling(
    client: httpx.Client, world: World, spelling: str
) -> None:
    existing = create(client, world.member, linkedin_url="https://www.linkedin.com/in/jane-doe/")
    r = client.post(
        "/candidates", json={"name": "Jane", "linkedin_url": spelling}, headers=world.member.headers
    )
    assert assert_problem(r, 409)["existing_id"] == existing["id"]


@pytest.mark.parametrize(
    "spelling",
    [
        "https://www.linkedin.com/in/jane-doe",
        "http://linkedin.com/in/Jane-Doe/?trk=profile#about",
        "  LinkedIn.com/in/JANE-DOE//  ",
        "//uk.linkedin.com/in/jane-doe",
        "https://m.linkedin.com:443/in/jane-doe/details/experience/",
    ],
)
def test_a_linkedin_profile_url_is_stored_in_one_safe_spelling(
    client: httpx.Client, world: World, spelling: str
) -> None:
    created = create(client, world.member, linkedin_url=spelling)
    assert created["linkedin_url"] == "https://www.linkedin.com/in/jane-doe"
    r = client.patch(
        f"/candidates/{created['id']}",
        json={"linkedin_url": re.sub("(?i)jane-doe", "Jane-D", spelling)},
        headers=world.member.headers,
    )
    assert r.json()["linkedin_url"] == "https://www.linkedin.com/in/jane-d"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/in/x",
        "https://linkedin.com.evil.example/in/x",
        "https://evil.example@linkedin.com/in/x",
        "javascript:alert(1)//linkedin.com/in/x",
        "ftp://www.linkedin.com/in/x",
        "https://www.linkedin.com:8443/in/x",
        "https://www.linkedin.com/company/acme",
        "https://www.linkedin.com/pub/jane-doe/1/23/456",
        "https://www.linkedin.com/in/",
        "https://www.linkedin.com/in/%3Cscript%3E",
    ],
)
def test_a_url_that_is_not_a_linkedin_profile_is_422_saying_what_is_expected(
    client: httpx.Client, world: World, url: str
) -> None:
    expected = "expected a LinkedIn profile URL (https://www.linkedin.com/in/...)"
    r = client.post(
        "/candidates", json={"name": "Jane", "linkedin_url": url}, headers=world.member.headers
    )
    body = assert_problem(r, 422, "linkedin_url")
    assert body["errors"] == [{"field": "linkedin_url", "message": expected}]
    kept = create(client, world.member, linkedin_url="linkedin.com/in/jane")
    r = client.patch(
        f"/candidates/{kept['id']}", json={"linkedin_url": url}, headers=world.member.headers
    )
    assert assert_problem(r, 422, "linkedin_url")["detail"] == f"linkedin_url: {expected}"
    listed = client.get("/candidates", headers=world.member.headers).json()["items"]
    assert [c["linkedin_url"] for c in listed] == ["https://www.linkedin.com/in/jane"]


def test_another_team_may_have_the_same_person(client: httpx.Client, world: World) -> None:
    create(client, world.member, emails=["jane@example.org"], linkedin_url="linkedin.com/in/j")
    other = create(
        client, world.outsider, emails=["jane@example.org"], linkedin_url="linkedin.com/in/j"
    )
    assert other["primary_email"] == "jane@example.org"


def test_a_repeated_email_in_one_body_counts_once(client: httpx.Client, world: World) -> None:
    created = create(
        client, world.member, emails=["jane@example.org", "JANE@example.org", "j@example.org"]
    )
    assert created["emails"] == ["jane@example.org", "j@example.org"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "Jane", "nickname": "JD"}, "nickname"),
        ({"name": "Jane", "emails": ["ok@example.org", "not-an-email"]}, "emails.1"),
        ({"name": "x" * 201}, "name"),
        ({"name": "   "}, "name"),
        ({"emails": ["jane@example.org"]}, "name"),
        ({"name": None}, "name"),
        ({"name": "Jane", "title": "t" * 201}, "title"),
        ({"name": "Jane", "emails": "jane@example.org"}, "emails"),
        ({"name": "Ja\x00ne"}, "name"),
        ({"name": "Jane", "linkedin_url": "https://"}, "linkedin_url"),
        ({"name": "Jane", "linkedin_url": "linkedin.com/in/jane doe"}, "linkedin_url"),
    ],
)
def test_bad_input_is_a_422_problem_naming_the_field(
    client: httpx.Client, world: World, body: dict[str, Any], field: str
) -> None:
    r = client.post("/candidates", json=body, headers=world.member.headers)
    assert_problem(r, 422, field)
    listed = client.get("/candidates", headers=world.member.headers).json()
    assert listed["items"] == []


def test_a_body_that_is_not_json_is_422(client: httpx.Client, world: World) -> None:
    r = client.post(
        "/candidates",
        content=b"{not json",
        headers={**world.member.headers, "content-type": "application/json"},
    )
    assert_problem(r, 422)


def test_update_changes_the_fields_sent_and_replaces_the_emails(
    client: httpx.Client, world: World
) -> None:
    created = create(
        client, world.member, emails=["a@example.org", "b@example.org"], title="Engineer"
    )
    r = client.patch(
        f"/candidates/{created['id']}",
        json={"emails": ["B@example.org", "c@example.org"], "company": "Initech", "title": None},
        headers=world.member.headers,
    )
    assert r.status_code == 200
    updated = r.json()
    assert updated["emails"] == ["B@example.org", "c@example.org"]
    assert updated["primary_email"] == "B@example.org"
    assert (updated["name"], updated["company"], updated["title"]) == ("Jane Doe", "Initech", None)
    assert updated["updated_at"] > created["updated_at"]
    # The dropped address is free again.
    create(client, world.member, name="Someone else", emails=["a@example.org"])


def test_update_rechecks_uniqueness(client: httpx.Client, world: World) -> None:
    first = create(client, world.member, emails=["a@example.org"], linkedin_url="linkedin.com/in/a")
    second = create(client, world.member, emails=["b@example.org"])
    url = f"/candidates/{second['id']}"
    r = client.patch(
        url, json={"emails": ["b@example.org", "A@example.org"]}, headers=world.member.headers
    )
    assert assert_problem(r, 409)["existing_id"] == first["id"]
    r = client.patch(
        url, json={"linkedin_url": "https://linkedin.com/in/A/"}, headers=world.member.headers
    )
    assert assert_problem(r, 409)["existing_id"] == first["id"]
    # A candidate never clashes with themself.
    r = client.patch(
        f"/candidates/{first['id']}",
        json={"emails": ["A@example.org"], "linkedin_url": "www.linkedin.com/in/a"},
        headers=world.member.headers,
    )
    assert r.status_code == 200
    assert client.get(url, headers=world.member.headers).json()["emails"] == ["b@example.org"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": None}, "name"),
        ({"name": ""}, "name"),
        ({"emails": ["nope"]}, "emails.0"),
        ({"id": 5}, "id"),
        ({"phone": "1" * 65}, "phone"),
    ],
)
def test_a_bad_update_is_422_and_changes_nothing(
    client: httpx.Client, world: World, body: dict[str, Any], field: str
) -> None:
    created = create(client, world.member, emails=["a@example.org"])
    r = client.patch(f"/candidates/{created['id']}", json=body, headers=world.member.headers)
    assert_problem(r, 422, field)
    assert (
        client.get(f"/candidates/{created['id']}", headers=world.member.headers).json() == created
    )


def test_delete_hides_the_candidate_and_frees_their_email_and_url(
    client: httpx.Client, world: World, db: Database
) -> None:
    gone = create(
        client, world.member, emails=["jane@example.org"], linkedin_url="linkedin.com/in/j"
    )
    kept = create(client, world.member, name="Kept", emails=["kept@example.org"])
    r = client.delete(f"/candidates/{gone['id']}", headers=world.member.headers)
    assert r.status_code == 204
    url = f"/candidates/{gone['id']}"
    assert assert_problem(client.get(url, headers=world.member.headers), 404)["detail"] == (
        f"candidate {gone['id']} not found"
    )
    assert_problem(client.patch(url, json={"name": "x"}, headers=world.member.headers), 404)
    assert_problem(client.delete(url, headers=world.member.headers), 404)
    listed = client.get("/candidates", headers=world.member.headers).json()["items"]
    assert [c["id"] for c in listed] == [kept["id"]]
    again = create(
        client, world.member, emails=["JANE@example.org"], linkedin_url="linkedin.com/in/J"
    )
    assert again["id"] != gone["id"]


def test_delete_deletes_the_candidates_touchpoints_and_is_audited(
    client: httpx.Client, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        gone = make_candidate(s, team=world.team, title="Engineer")
        other = make_candidate(s, team=world.team)
        member = s.get(User, world.member.id)
        assert member is not None
        for candidate in (gone, gone, other):
            log(s, member, candidate.id, at("2024-05-01 09:00"))
    r = client.delete(f"/candidates/{gone.id}", headers=world.admin.headers)
    assert r.status_code == 204
    with db.unit_of_work() as s:
        rows = s.execute(select(Touchpoint.candidate_id, Touchpoint.deleted_at)).all()
        assert sorted((cid, deleted is not None) for cid, deleted in rows) == sorted(
            [(gone.id, True), (gone.id, True), (other.id, False)]
        )
        assert (
            s.scalars(select(CandidateEmail).where(CandidateEmail.candidate_id == gone.id)).all()
            == []
        )
        event = s.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_type == "candidate", AuditEvent.entity_id == gone.id
            )
        ).one()
    assert (event.action, event.actor_id, event.after) == ("delete", world.admin.id, None)
    assert event.before is not None
    assert event.before["title"] == "Engineer"
    assert event.before["emails"] == [gone.emails[0].email]


def test_another_teams_candidate_is_answered_as_a_missing_one(
    client: httpx.Client, world: World
) -> None:
    theirs = create(client, world.outsider, name="Theirs")
    missing = theirs["id"] + 1000
    for candidate_id in (theirs["id"], missing, 2**70):
        url = f"/candidates/{candidate_id}"
        for method, kwargs in (("GET", {}), ("PATCH", {"json": {"name": "x"}}), ("DELETE", {})):
            r = client.request(method, url, headers=world.member.headers, **kwargs)
            body = assert_problem(r, 404)
            assert body["detail"] == f"candidate {candidate_id} not found"
    r = client.get(f"/candidates/{theirs['id']}", headers=world.outsider.headers)
    assert r.json()["name"] == "Theirs"


def test_candidates_need_a_token(client: httpx.Client, world: World) -> None:
    assert_problem(client.get("/candidates"), 401)
    assert_problem(client.post("/candidates", json={"name": "Jane"}), 401)


def test_a_member_deletes_a_candidate_only_when_every_touchpoint_is_theirs(
    client: httpx.Client, world: World, db: Database
) -> None:
    """SPEC §2 rule 9 and §7: deleting a candidate deletes their touchpoints, so a member may
    do it only when they logged every one; the audit log records each touchpoint removed."""
    with db.unit_of_work() as s:
        mixed = make_candidate(s, team=world.team)
        mine = make_candidate(s, team=world.team)
        admin, member = s.get(User, world.admin.id), s.get(User, world.member.id)
        assert admin is not None and member is not None
        theirs = log(s, admin, mixed.id, at("2024-05-01 09:00")).id
        log(s, member, mixed.id, at("2024-05-02 09:00"))
        own = [log(s, member, mine.id, at(f"2024-05-0{d} 09:00")).id for d in (1, 2)]
    r = client.delete(f"/candidates/{mixed.id}", headers=world.member.headers)
    assert_problem(r, 403)
    with db.unit_of_work() as s:
        assert s.get(Touchpoint, theirs).deleted_at is None  # type: ignore[union-attr]
    assert client.get(f"/candidates/{mixed.id}", headers=world.member.headers).status_code == 200

    assert client.delete(f"/candidates/{mine.id}", headers=world.member.headers).status_code == 204
    with db.unit_of_work() as s:
        events = s.execute(
            select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.actor_id).where(
                AuditEvent.entity_type == "touchpoint", AuditEvent.action == "delete"
            )
        ).all()
        before = s.scalars(
            select(AuditEvent.before).where(
                AuditEvent.entity_type == "touchpoint", AuditEvent.entity_id == own[0]
            )
        ).all()
    assert sorted(events) == [(t, "delete", world.member.id) for t in own]
    assert [b["candidate_id"] for b in before if b is not None] == [mine.id]


def test_a_candidate_created_twice_at_once_is_one_201_and_409s_naming_it(
    live_server: LiveServer, world: World
) -> None:
    """SPEC §4: a duplicate candidate is a 409 with the existing id, even when the two requests
    race (on PostgreSQL they run at once; the loser used to get no id and a "retry")."""
    body = {"name": "Grace", "emails": ["grace@example.com"]}

    def post(_: int) -> httpx.Response:
        with httpx.Client(base_url=live_server.url + "/api/v1", timeout=30) as c:
            return c.post("/candidates", json=body, headers=world.member.headers)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(8)))
    created = [r for r in answers if r.status_code == 201]
    assert len(created) == 1, [r.text for r in answers]
    for r in answers:
        if r.status_code != 201:
            problem = assert_problem(r, 409)
            assert problem["existing_id"] == created[0].json()["id"]
            assert "retry" not in problem["detail"]
