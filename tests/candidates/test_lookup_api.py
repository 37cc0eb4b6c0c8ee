"""Finding a candidate by a normalized email or LinkedIn URL (SPEC §7): `GET /candidates?email=`
and `?linkedin_url=`, alone or with the other filters; a malformed value is a 422 on its field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reachout.db import Database
from tests.candidates.helpers import create
from tests.factories import World, make_project
from tests.problems import assert_problem


def _found(client: httpx.Client, world: World, **params: Any) -> list[int]:
    r = client.get("/candidates", params=params, headers=world.member.headers)
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


def test_an_email_finds_its_candidate_whatever_its_case_and_spaces(
    client: httpx.Client, world: World
) -> None:
    jane = create(client, world.member, emails=["Jane.Doe@Example.com", "jd@work.example"])
    create(client, world.member, name="John Doe", emails=["john.doe@example.com"])
    create(client, world.outsider, emails=["jane.doe@example.com"])  # another team's Jane

    assert _found(client, world, email="jane.doe@example.com") == [jane["id"]]
    assert _found(client, world, email="  JANE.DOE@example.COM ") == [jane["id"]]
    assert _found(client, world, email="JD@Work.Example") == [jane["id"]]  # not the primary
    assert _found(client, world, email="doe@example.com") == []  # a whole address, not a part
    assert _found(client, world, email="nobody@example.com") == []


def test_a_linkedin_url_finds_its_candidate_in_any_spelling(
    client: httpx.Client, world: World
) -> None:
    jane = create(client, world.member, linkedin_url="https://www.linkedin.com/in/jane-doe")
    create(client, world.member, name="Jane Roe", linkedin_url="linkedin.com/in/jane-roe")
    create(client, world.outsider, linkedin_url="https://www.linkedin.com/in/jane-doe")

    for spelling in (
        "https://www.linkedin.com/in/jane-doe",
        "linkedin.com/in/Jane-Doe/",
        "http://uk.linkedin.com/in/jane-doe?trk=public_profile",
        " https://www.LinkedIn.com/in/JANE-DOE/details/experience/#top ",
    ):
        assert _found(client, world, linkedin_url=spelling) == [jane["id"]], spelling
    assert _found(client, world, linkedin_url="linkedin.com/in/jane") == []


def test_a_deleted_candidate_is_not_found(client: httpx.Client, world: World) -> None:
    jane = create(
        client, world.member, emails=["jane@example.com"], linkedin_url="in.linkedin.com/in/jd"
    )
    assert (
        client.delete(f"/candidates/{jane['id']}", headers=world.member.headers).status_code == 204
    )
    assert _found(client, world, email="jane@example.com") == []
    assert _found(client, world, linkedin_url="linkedin.com/in/jd") == []


def test_lookups_combine_with_each_other_and_with_q_and_project_id(
    client: httpx.Client, world: World, db: Database
) -> None:
    jane = create(
        client,
        world.member,
        emails=["jane@example.com"],
        linkedin_url="linkedin.com/in/jane-doe",
        company="Acme",
    )
    bob = create(client, world.member, name="Bob", emails=["bob@example.com"], company="Acme")
    with db.unit_of_work() as s:
        hiring = make_project(s, team=world.team, name="Hiring").id
        empty = make_project(s, team=world.team, name="Empty").id
    r = client.post(
        f"/projects/{hiring}/candidates",
        json={"candidate_ids": [jane["id"], bob["id"]]},
        headers=world.member.headers,
    )
    assert r.status_code == 200, r.text

    assert _found(client, world, q="acme") == [jane["id"], bob["id"]]
    assert _found(client, world, q="acme", email="JANE@example.com") == [jane["id"]]
    assert _found(client, world, q="globex", email="jane@example.com") == []
    assert _found(client, world, project_id=hiring, email="bob@example.com") == [bob["id"]]
    assert _found(client, world, project_id=empty, email="bob@example.com") == []
    both = {"email": "jane@example.com", "linkedin_url": "https://linkedin.com/in/Jane-Doe"}
    assert _found(client, world, **both) == [jane["id"]]
    # Every filter applies: Bob's email and Jane's profile are nobody's together.
    assert (
        _found(client, world, email="bob@example.com", linkedin_url="linkedin.com/in/jane-doe")
        == []
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", "jane@"),
        ("email", ""),
        ("email", "   "),
        ("email", "jane\x00@example.com"),
        ("email", "j" * 400 + "@example.com"),
        ("linkedin_url", "https://example.com/in/jane-doe"),
        ("linkedin_url", "https://www.linkedin.com/company/acme"),
        ("linkedin_url", "https://www.linkedin.com/pub/jane-doe/1/23/456"),
        ("linkedin_url", ""),
        ("linkedin_url", "javascript:alert(1)"),
        ("linkedin_url", "https://www.linkedin.com/in/" + "x" * 600),
    ],
)
def test_a_malformed_value_is_a_422_on_its_field(
    client: httpx.Client, world: World, field: str, value: str
) -> None:
    create(client, world.member, emails=["jane@example.com"])
    r = client.get("/candidates", params={field: value, "q": "jane"}, headers=world.member.headers)
    assert_problem(r, 422, field)
