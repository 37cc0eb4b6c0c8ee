"""The sections of a benchmark run, in the order they run (seeding first: the others work on
the team it makes). A section measures one database at a time and renders all of them."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from bench.config import Config
from bench.sections import (
    api_bulk,
    bulk,
    exports,
    imports,
    load,
    nginx,
    seed,
    sequences,
    stats,
    web,
)
from bench.targets import Target

F = TypeVar("F")


class Section(Protocol[F]):
    """What a section module has: its title, its figures for one database, and those of every
    database (by key) as Markdown."""

    TITLE: str

    def measure(self, target: Target, config: Config) -> F: ...

    def render(self, figures: dict[str, F], config: Config) -> str: ...


# Each section has figures of its own type; the run only passes them from `measure` to `render`.
SECTIONS: dict[str, Section[Any]] = {
    "seed": seed,
    "stats": stats,
    "bulk": bulk,
    "api_bulk": api_bulk,
    "load": load,
    "web": web,
    "imports": imports,
    "exports": exports,
    "sequences": sequences,
    "nginx": nginx,
}
