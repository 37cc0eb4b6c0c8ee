"""`reachout seed synthetic`: generated data that obeys the ledger's rules, on both databases.

The generator decides designations and local days in Python while it plans each history, and
writes rows with the driver alone, so these tests hold it to what the service would have
written: the Auto rule (SPEC §2 rule 3), the threads (§3) and the team's local dates.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from reachout.db import Database
from reachout.kit.time import local_day, now
from reachout.models import (
    Candidate,
    CandidateEmail,
    Project,
    ProjectCandidate,
    Team,
    Thread,
    Touchpoint,
    User,
)
from reachout.projection.designations import resolve_auto_designations
from reachout.projection.threads import rebuild_threads
from reachout.synthetic.service import SeedSummary, seed_synthetic
from tests.test_cli import assert_one_line_error, run_cli

TEAM = "Seeded Talent"


def seed(
    db: Database, *, candidates: int = 300, touchpoints: int = 3000, **options: Any
) -> SeedSummary:
    with db.unit_of_work() as session:
        return seed_synthetic(
            session,
            team_name=options.pop("team_name", TEAM),
            candidates=candidates,
            touchpoints=touchpoints,
            seed=options.pop("seed", 20261129),
            users=options.pop("users", 2),  # each costs a password hash
            **options,
        )


def team_id(session: Session, name: str = TEAM) -> int:
    found = session.scalar(select(Team.id).where(Team.name == name))
    assert found is not None
    return found


def designations(session: Session) -> dict[int, tuple[str | None, str | None]]:
    session.expire_all()
    rows = session.execute(
        select(Touchpoint.id, Touchpoint.designation, Touchpoint.designation_mode)
    )
    return {id_: (designation, mode) for id_, designation, mode in rows}


def threads(session: Session) -> list[tuple[Any, ...]]:
    columns = [getattr(Thread, c.key) for c in Thread.__table__.columns]
    return [tuple(row) for row in session.execute(select(*columns).order_by(Thread.id))]


def test_a_seed_writes_the_counts_asked_for(db: Database) -> None:
    summary = seed(db, users=5, projects=20)
    assert summary.team_created and summary.password
    with db.unit_of_work() as s:
        tid = team_id(s)
        assert s.scalar(select(func.count()).where(Candidate.team_id == tid)) == 300
        assert s.scalar(select(func.count()).where(Touchpoint.team_id == tid)) == 3000
        assert s.scalar(select(func.count()).where(User.team_id == tid)) == 5
        assert s.scalar(select(func.count()).where(Project.team_id == tid)) == 20
        assert s.scalar(select(func.count()).select_from(Thread)) == summary.threads > 0
        emails = Counter(s.scalars(select(CandidateEmail.candidate_id)))
        assert len(emails) == 300 and set(emails.values()) <= {1, 2}
        memberships = Counter(s.scalars(select(ProjectCandidate.candidate_id)))
        assert len(memberships) == 300 and set(memberships.values()) <= {1, 2}
        # Every touchpoint names a user and a project of the team (or no project).
        users = set(s.scalars(select(User.id).where(User.team_id == tid)))
        projects = set(s.scalars(select(Project.id).where(Project.team_id == tid)))
        for user_id, created_by, behalf, project_id in s.execute(
            select(
                Touchpoint.user_id,
                Touchpoint.created_by_id,
                Touchpoint.on_behalf_of_user_id,
                Touchpoint.project_id,
            )
        ):
            assert {user_id, created_by} <= users and behalf in users | {None}
            assert project_id in projects | {None}


def test_auto_designations_are_what_the_rule_decides(db: Database) -> None:
    seed(db)
    with db.unit_of_work() as s:
        before = designations(s)
        everyone = list(s.scalars(select(Candidate.id)))
        resolve_auto_designations(s, candidate_ids=everyone, since=None, reengage_after_days=None)
        assert designations(s) == before
        # All four cases are there, so the comparison above means something.
        kinds = Counter(before.values())
        for case in [
            ("initial", "auto"),
            ("follow_up", "auto"),
            ("initial", "explicit"),
            ("follow_up", "explicit"),
            (None, None),
        ]:
            assert kinds[case] > 0, case


def test_auto_designations_follow_a_reengagement_window(db: Database) -> None:
    seed(db, candidates=1, touchpoints=0, users=1)
    with db.unit_of_work() as s:
        s.get_one(Team, team_id(s)).reengage_after_days = 60
    seed(db, candidates=200, touchpoints=2000, users=1)
    with db.unit_of_work() as s:
        before = designations(s)
        everyone = list(s.scalars(select(Candidate.id)))
        resolve_auto_designations(s, candidate_ids=everyone, since=None, reengage_after_days=60)
        assert designations(s) == before


def test_threads_are_what_a_rebuild_derives(db: Database) -> None:
    seed(db)
    with db.unit_of_work() as s:
        seeded = threads(s)
        rebuild_threads(s, team_id=team_id(s), candidate_ids=None)
        s.expire_all()
        assert threads(s) == seeded
        assert len(seeded) > 300


def test_local_days_are_dates_in_the_team_time_zone(db: Database) -> None:
    seed(db, time_zone="Asia/Kolkata")
    with db.unit_of_work() as s:
        rows = s.execute(select(Touchpoint.occurred_at, Touchpoint.local_day)).all()
        assert {local_day(at, "Asia/Kolkata") for at, _ in rows} - {day for _, day in rows} == set()
        for at, day in rows:
            assert day == local_day(at, "Asia/Kolkata"), at
        # Some replies came in the team's night, when its date and the UTC date differ.
        assert any(at.date() != day for at, day in rows)


def test_the_data_looks_like_a_team_s_outreach(db: Database) -> None:
    seed(db)
    moment = now()
    with db.unit_of_work() as s:
        tps = s.scalars(select(Touchpoint).order_by(Touchpoint.id)).all()
        assert {t.channel for t in tps} == {"email", "inmail", "text", "call"}
        assert {t.reply_status for t in tps if t.kind == "reply"} == {
            "interested",
            "not_interested",
            "later",
            None,
        }
        # Spread over the last year, none today (it is not over), logged in id order.
        assert all(moment - timedelta(days=366) < t.occurred_at < moment for t in tps)
        assert [t.created_at for t in tps] == sorted(t.created_at for t in tps)
        assert all(t.occurred_at <= t.created_at <= moment for t in tps)
        backdated = [t for t in tps if t.created_at - t.occurred_at > timedelta(hours=1)]
        assert 0.05 < len(backdated) / len(tps) < 0.25
        # A quarter of threads or so got a reply; some candidates were contacted again.
        replied = s.scalar(select(func.count()).where(Thread.first_reply_at.is_not(None)))
        started = s.scalar(select(func.count()).select_from(Thread))
        assert replied is not None and started
        assert 0.15 < replied / started < 0.35
        per_candidate = Counter(s.scalars(select(Thread.candidate_id)))
        assert max(per_candidate.values()) > 1
        # Some candidates wrote before anyone reached out to them.
        first = {}
        for t in tps:
            if t.candidate_id not in first or t.occurred_at < first[t.candidate_id].occurred_at:
                first[t.candidate_id] = t
        assert any(t.kind == "reply" for t in first.values())


def test_seeding_again_adds_to_the_team_and_the_schema_stays_whole(db: Database) -> None:
    def schema() -> Any:
        with db.engine.connect() as conn:
            found = inspect(conn)
            return {
                table: (
                    sorted((i["name"], tuple(i["column_names"])) for i in found.get_indexes(table)),
                    sorted(
                        (fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"])
                        for fk in found.get_foreign_keys(table)
                    ),
                )
                for table in ("candidate", "candidate_email", "project_candidate", "touchpoint")
            }

    empty = schema()
    first = seed(db, users=2)  # into empty tables: indexes are built after the load
    assert schema() == empty
    again = seed(db, candidates=50, touchpoints=200, users=3, seed=1)  # into full ones
    assert schema() == empty
    assert not again.team_created and again.users == 3
    with db.unit_of_work() as s:
        tid = team_id(s)
        assert s.scalar(select(func.count()).where(Candidate.team_id == tid)) == 350
        assert s.scalar(select(func.count()).where(Touchpoint.team_id == tid)) == 3200
        assert again.threads == s.scalar(select(func.count()).select_from(Thread)) > first.threads


def test_the_command_seeds_and_reports_in_one_line(db: Database) -> None:
    url = db.settings.database_url
    result = run_cli(
        url,
        "seed",
        "synthetic",
        "--team",
        "CLI",
        "--candidates",
        "30",
        "--touchpoints",
        "200",
        "--users",
        "2",
        "--seed",
        "3",
    )
    assert result.exit_code == 0, result.stderr
    summary, password = result.stdout.strip().splitlines()
    assert summary.startswith("Seeded team 'CLI'") and "200 touchpoints" in summary
    assert password.startswith("Password of the users created: ")
    refused = run_cli(
        url, "seed", "synthetic", "--team", "CLI", "--candidates", "0", "--touchpoints", "5"
    )
    assert_one_line_error(refused, "candidates")
