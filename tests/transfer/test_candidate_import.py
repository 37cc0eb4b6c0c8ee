"""Candidate CSV import (SPEC §7) through real HTTP, on both databases."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from reachout.db import Database
from reachout.models import Candidate, CandidateEmail, ProjectCandidate
from tests.factories import World, make_candidate, make_project
from tests.problems import assert_problem

CSV = "text/csv"


def post(client: httpx.Client, world: World, data: bytes | str, **params: Any) -> httpx.Response:
    body = data.encode() if isinstance(data, str) else data
    return client.post(
        "/imports/candidates",
        content=body,
        params={k: v for k, v in params.items() if v is not None},
        headers={**world.member.headers, "Content-Type": CSV},
    )


def candidates(db: Database, team_id: int) -> dict[str, dict[str, Any]]:
    """The team's live candidates by name, with their emails (in order) and fields."""
    with db.unit_of_work(write=False) as s:
        out = {}
        for c in s.scalars(
            select(Candidate).where(Candidate.team_id == team_id, Candidate.deleted_at.is_(None))
        ):
            out[c.name] = {
                "id": c.id,
                "emails": [e.email for e in c.emails],
                "phone": c.phone,
                "linkedin_url": c.linkedin_url,
                "title": c.title,
                "company": c.company,
                "location": c.location,
            }
        return out


MESSY = (
    "\ufeffFull Name;E-mail_Address;LinkedIn URL;Job Title;Notes\r\n"
    'Ada Lovelace;ADA@Example.org;linkedin.com/in/Ada-L/;"Engineer; analyst";first\r\n'
    "\r\n"
    '"Grace\nHopper";grace@example.org, g.hopper@navy.example;;Admiral;"line one\nline two"\r\n'
    "ada again;ada@example.ORG;;;dup by email\r\n"
    "Ada by url;;https://uk.linkedin.com/in/ada-l?trk=1;Countess;dup by URL\r\n"
    "Bad Email;not-an-email;;;\r\n"
    ";nobody@example.org;;;no name\r\n"
)


def test_a_messy_file_is_read_as_a_spreadsheet_shows_it(
    client: httpx.Client, world: World, db: Database
) -> None:
    r = post(client, world, MESSY, dry_run="true")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mapping"] == {
        "Full Name": "name",
        "E-mail_Address": "email",
        "LinkedIn URL": "linkedin_url",
        "Job Title": "title",
        "Notes": None,
    }
    # Line 3 is blank: counted as a line, not a row. Grace's quoted newline adds no line.
    assert body["rows"] == 6
    assert (body["created"], body["matched"]) == (2, 2)
    assert [i["line"] for i in body["invalid"]] == [7, 8]
    assert "E-mail_Address" in body["invalid"][0]["errors"][0]
    assert "not-an-email" in body["invalid"][0]["errors"][0]
    assert "Full Name" in body["invalid"][1]["errors"][0]
    assert body["created"] + body["matched"] + len(body["invalid"]) == body["rows"]
    # A dry run writes nothing.
    assert candidates(db, world.team.id) == {}

    # All or nothing: invalid rows and no skip_invalid is a 422 with the same body.
    r = post(client, world, MESSY)
    problem = assert_problem(r, 422)
    assert [i["line"] for i in problem["invalid"]] == [7, 8]
    assert problem["rows"] == 6
    assert candidates(db, world.team.id) == {}

    r = post(client, world, MESSY, skip_invalid="true")
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["matched"]) == (2, 2)
    made = candidates(db, world.team.id)
    assert set(made) == {"Ada Lovelace", "Grace Hopper"}
    ada = made["Ada Lovelace"]
    assert ada["emails"] == ["ADA@example.org"]
    assert ada["linkedin_url"] == "https://www.linkedin.com/in/ada-l"
    # The first row's title stays: a match fills empty fields, never overwrites.
    assert ada["title"] == "Engineer; analyst"
    grace = made["Grace Hopper"]
    assert grace["emails"] == ["grace@example.org", "g.hopper@navy.example"]
    assert grace["title"] == "Admiral"


def test_an_existing_candidate_is_matched_filled_and_never_overwritten(
    client: httpx.Client, world: World, db: Database
) -> None:
    with db.unit_of_work() as s:
        existing = make_candidate(
            s,
            team=world.team,
            name="Jane Doe",
            emails=["jane@example.org"],
            linkedin_url="https://www.linkedin.com/in/jane-doe",
            linkedin_key="linkedin.com/in/jane-doe",
            title="Engineer",
        )
        other = make_candidate(s, team=world.team, name="John Roe", emails=["john@example.org"])
        project = make_project(s, team=world.team, candidates=[other])
        existing_id, project_id = existing.id, project.id
    data = (
        "name,email,linkedin,title,company,phone\n"
        "J. Doe,jane.doe@work.example,https://www.linkedin.com/in/JANE-DOE/,CTO,Acme,=1+2\n"
        "John Roe,john@example.org,,,,\n"
        "New Person,new@example.org,,,,\n"
        # Email names John, the URL names Jane: two different candidates.
        "Mixed,john@example.org,linkedin.com/in/jane-doe,,,\n"
    )
    r = post(client, world, data, project_id=project_id)
    problem = assert_problem(r, 422)
    assert problem["invalid"][0]["line"] == 5
    error = problem["invalid"][0]["errors"][0]
    assert f"candidate {existing_id}" in error and "two different candidates" in error

    r = post(client, world, data, project_id=project_id, skip_invalid="true")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["rows"], body["created"], body["matched"]) == (4, 1, 2)
    # John was in the project already: Jane and the new person are added.
    assert body["added_to_project"] == 2
    made = candidates(db, world.team.id)
    jane = made["Jane Doe"]
    assert jane["id"] == existing_id
    assert jane["title"] == "Engineer"  # kept
    assert jane["company"] == "Acme"  # filled
    assert jane["phone"] == "=1+2"
    assert jane["emails"] == ["jane@example.org", "jane.doe@work.example"]
    with db.unit_of_work(write=False) as s:
        members = s.scalar(select(func.count()).where(ProjectCandidate.project_id == project_id))
    assert members == 3

    # The same file again: everyone matches, nothing new.
    r = post(client, world, data, project_id=project_id, skip_invalid="true")
    assert (r.json()["created"], r.json()["matched"], r.json()["added_to_project"]) == (0, 3, 0)


def test_a_protected_cell_loses_its_quote_mark(
    client: httpx.Client, world: World, db: Database
) -> None:
    data = "name,phone,company\n'=Eve,'+1 555 0100,'Plain\n"
    r = post(client, world, data)
    assert r.status_code == 200, r.text
    eve = candidates(db, world.team.id)["=Eve"]
    assert eve["phone"] == "+1 555 0100"
    assert eve["company"] == "'Plain"  # not a protected cell: kept as it is


def test_multipart_upload_and_explicit_mapping(
    client: httpx.Client, world: World, db: Database
) -> None:
    data = b"Person\tMail\tWhere\nAlan Turing\talan@example.org\tBletchley\n"
    r = client.post(
        "/imports/candidates",
        files={"file": ("people.tsv", data, "text/tab-separated-values")},
        params={"mapping": '{"Person": "name", "Mail": "email", "Where": "location"}'},
        headers=world.member.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["mapping"] == {"Person": "name", "Mail": "email", "Where": "location"}
    alan = candidates(db, world.team.id)["Alan Turing"]
    assert (alan["emails"], alan["location"]) == (["alan@example.org"], "Bletchley")


def test_files_that_cannot_be_read_are_refused_before_any_row(
    client: httpx.Client, world: World, db: Database
) -> None:
    cases: list[tuple[bytes, str]] = [
        (b"", "empty"),
        ("name\nJos\u00e9\n".encode("latin-1"), "not UTF-8"),
        ("name\nA\n".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04\x14\x00binary", "zip"),
        (b"email,title\na@example.org,x\n", "no name column"),
        (("name," + ",".join(f"c{i}" for i in range(250)) + "\nA\n").encode(), "251 columns"),
        (("name\nA\n" + "B," * 10_000 + "\n").encode(), "line 3 has 10,001 columns"),
    ]
    for data, words in cases:
        r = post(client, world, data)
        problem = assert_problem(r, 422)
        assert words in problem["detail"], (words, problem["detail"])
    r = post(client, world, b"name\nA\n", mapping="[1]")
    assert "mapping" in assert_problem(r, 422)["detail"]
    r = post(client, world, b"name\nA\n", project_id=999_999)
    assert_problem(r, 422)
    assert candidates(db, world.team.id) == {}


def test_a_file_over_the_upload_cap_is_a_413(
    client: httpx.Client, world: World, live_server: Any
) -> None:
    cap = live_server.db.settings.max_import_bytes
    r = client.post(
        "/imports/candidates",
        content=b"name\n" + b"A\n" * (cap // 2 + 1),
        headers={**world.member.headers, "Content-Type": CSV},
    )
    problem = assert_problem(r, 413)
    assert f"{cap:,} bytes" in problem["detail"]


def test_emails_are_unique_across_the_team_after_an_import(
    client: httpx.Client, world: World, db: Database
) -> None:
    rows = "".join(f"Person {i},p{i}@example.org;P{i}@EXAMPLE.org\n" for i in range(500))
    r = post(client, world, "name,emails\n" + rows + "Again,p7@example.org\n")
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["matched"]) == (500, 1)
    with db.unit_of_work(write=False) as s:
        keys = s.scalars(
            select(CandidateEmail.email_key).where(CandidateEmail.team_id == world.team.id)
        ).all()
    assert len(keys) == len(set(keys)) == 500
    # Another team imports the same people: theirs, separately.
    r = client.post(
        "/imports/candidates",
        content=("name,emails\n" + rows).encode(),
        headers={**world.outsider.headers, "Content-Type": CSV},
    )
    assert r.json()["created"] == 500
