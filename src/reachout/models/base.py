from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Index, MetaData, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def only_on(dialect: str, index: Index) -> Index:
    """An index built on one database only (`ddl_if`), marked so that schema comparisons
    (`include_on`) leave it out on the other."""
    index.info["only_on"] = dialect
    return index.ddl_if(dialect=dialect)


def include_on(dialect: str) -> Any:
    """Alembic's `include_object` for a database of this dialect: `only_on` indexes of another
    dialect are not part of its schema."""

    def include(obj: Any, _name: Any, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        return type_ != "index" or obj.info.get("only_on", dialect) == dialect

    return include


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A UTC instant, stored naive (the same on both databases), read back time-zone aware.

    Naive values given to it are taken as UTC. Storing naive UTC keeps SQLite's text
    timestamps in one fixed-width format, so they sort and compare as text.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
