from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from reachout.db import Database
from reachout.models import AuditEvent, CandidateEmail, Touchpoint, User
from tests.candidates.helpers import assert_problem, create
from tests.factories import World, at, make_candidate
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
    assert created["linkedin_url"] == "https://www.linkedin.com/in/jane-doe/"
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
