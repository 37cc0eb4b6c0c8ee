"""The schema the migrations build is exactly the one the models describe, on both databases."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from reachout import migrate
from reachout.db import Database
from reachout.models import Base
from reachout.models.base import include_on
from reachout.models.enums import Kind
from reachout.models.thread import FILLFACTOR
from reachout.touchpoints.service import SequenceStep
from tests.factories import at, make_candidate, make_team
from tests.touchpoints.helpers import log


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        options = {"compare_type": True, "include_object": include_on(db.dialect)}
        context = MigrationContext.configure(conn, opts=options)
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_is_a_no_op_when_current(db: Database) -> None:
    before, after = migrate.upgrade(db.engine)
    assert before == after == "0012"


def test_the_history_index_holds_live_touchpoints_only(db: Database) -> None:
    """compare_metadata does not compare an index's WHERE: 0005's is checked here."""
    if db.dialect == "postgresql":
        query = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_touchpoint_candidate_live'"
    else:
        query = "SELECT sql FROM sqlite_master WHERE name = 'ix_touchpoint_candidate_live'"
    with db.engine.connect() as conn:
        definition = conn.execute(text(query)).scalar_one()
    bare = definition.replace('"', "").replace("(", " ").replace(")", " ").split()
    assert " ".join(bare).endswith("candidate_id, occurred_at, id WHERE deleted_at IS NULL")


def test_0003_fills_the_week_and_time_to_reply_of_existing_threads(db: Database) -> None:
    """Threads written before 0003 get the values a rebuild would give them."""
    cfg = migrate.alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
        rows = [
            # Sunday 2026-11-29 belongs to the week of Monday the 23rd; replied 1 h 0.5 s later.
            (
                1,
                date(2026, 11, 29),
                datetime(2026, 11, 29, 23, 0),
                datetime(2026, 11, 30, 0, 0, 0, 500_000),
            ),
            # A Monday is its own week's Monday; a reply 0.000001 s before the next second.
            (
                2,
                date(2026, 11, 30),
                datetime(2026, 11, 30, 9, 0, 0, 999_999),
                datetime(2026, 11, 30, 9, 0, 1, 999_998),
            ),
            # No reply.
            (3, date(2026, 1, 1), datetime(2026, 1, 1, 12, 0), None),
        ]
        for thread_id, day, started, replied in rows:
            conn.execute(
                text(
                    "INSERT INTO thread (id, team_id, candidate_id, started_at, start_day, channel,"
                    " user_id, project_id, follow_ups, outreach_before_reply, first_reply_at,"
                    " latest_reply_status) VALUES (:id, 1, 1, :started, :day, 'email', 1, NULL,"
                    " 0, 1, :replied, NULL)"
                ),
                {"id": thread_id, "started": started, "day": day, "replied": replied},
            )
    migrate.upgrade(db.engine)
    with db.engine.connect() as conn:
        got = conn.execute(
            text("SELECT id, start_week, reply_micros FROM thread ORDER BY id")
        ).all()
    assert [(i, str(week), micros) for i, week, micros in got] == [
        (1, "2026-11-23", 3_600_500_000),
        (2, "2026-11-30", 999_999),
        (3, "2025-12-29", None),
    ]


def test_thread_pages_keep_room_for_updates_in_place(db: Database) -> None:
    """PostgreSQL: 0006's fillfactor (compare_metadata does not compare table options)."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no fillfactor")
    with db.engine.connect() as conn:
        options = conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'thread'"))
        assert options.scalar_one() == [f"fillfactor={FILLFACTOR}"]


def test_0009_derives_the_sequence_columns_of_threads_and_activity_again(db: Database) -> None:
    """0009 fills what sequences made into the thread and activity_day rows (a thread by its
    initial's sequence stage, a cell per sequence stage), as the projection would."""
    with db.unit_of_work() as s:
        team, admin = make_team(s)
        c1, c2 = make_candidate(s, team=team), make_candidate(s, team=team)
        log(s, admin, c1.id, at("2026-03-02 09:00"), step=SequenceStep(7, 1))
        log(s, admin, c1.id, at("2026-03-03 09:00"), step=SequenceStep(7, 2))
        log(s, admin, c1.id, at("2026-03-03 10:00"), kind=Kind.reply)
        log(s, admin, c2.id, at("2026-03-02 11:00"))
        log(s, admin, c2.id, at("2026-03-04 11:00"), step=SequenceStep(8, 3))
    threads = "SELECT id, sequence_id, sequence_stage FROM thread ORDER BY id"
    cells = (
        "SELECT local_day, channel, user_id, project_key, sequence_key, stage_key, outreach,"
        " initial, follow_up, replies FROM activity_day ORDER BY 1, 2, 3, 4, 5, 6"
    )
    with db.engine.connect() as conn:
        projected = conn.execute(text(threads)).all(), conn.execute(text(cells)).all()
    assert [row[1:] for row in projected[0]] == [(7, 1), (None, None)]
    # Per day: (sequence, stage), outreach, initial, follow-up, replies.
    assert [row[4:] for row in projected[1]] == [
        (0, 0, 1, 1, 0, 0),  # 2 Mar: c2's initial, by hand
        (7, 1, 1, 1, 0, 0),  # c1's initial
        (0, 0, 0, 0, 0, 1),  # 3 Mar: c1's reply
        (7, 2, 1, 0, 1, 0),
        (8, 3, 1, 0, 1, 0),  # 4 Mar
    ]
    cfg = migrate.alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
        old_cells = conn.execute(text("SELECT sum(outreach), sum(replies) FROM activity_day"))
        assert tuple(old_cells.one()) == (4, 1)
    migrate.upgrade(db.engine)
    with db.engine.connect() as conn:
        migrated = conn.execute(text(threads)).all(), conn.execute(text(cells)).all()
    assert migrated == projected
