"""The sections of a benchmark run, in the order they run (seeding first: the others work on
the team it makes). A section measures one database at a time and renders all of them."""

from __future__ import annotations

from types import ModuleType

from bench.sections import api_bulk, bulk, load, seed, stats, web

SECTIONS: dict[str, ModuleType] = {
    "seed": seed,
    "stats": stats,
    "bulk": bulk,
    "api_bulk": api_bulk,
    "load": load,
    "web": web,
}
