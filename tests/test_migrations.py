"""The schema the migrations build is exactly the one the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from reachout import migrate
from reachout.db import Database
from reachout.models import Base


def test_migrations_match_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_is_a_no_op_when_current(db: Database) -> None:
    before, after = migrate.upgrade(db.engine)
    assert before == after == "0002"
