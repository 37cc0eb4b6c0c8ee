"""docs/performance.md: the machine, the command, each section's tables, then bench/notes.md."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from bench.config import Config
from bench.machine import Machine
from bench.sections import SECTIONS, Section
from bench.targets import NAMES

# Hand-written, closing the report: figures behind the code's design choices, which the
# code's comments leave out so that they cannot go stale there (STYLE.md).
NOTES = Path(__file__).with_name("notes.md")

INTRO = """\
# Performance

Measured by the project's benchmark (`bench/`), against the quality bars of SPEC §6. This file
is generated, whole: the full run is `python -m bench` (SQLite and PostgreSQL, every section:
{sections}); `--sections` runs some of them (seeding always runs first), and the command that
made this file is in the table below (see the README's *Benchmark* section). The machine is
shared (other developers run tests on it at the same time), so the load average at the start
and at the end is part of the record; figures taken under load are slower than the machine
alone would give. So is its speed, which varies with no load at all: the speed probe is the
CPU time of a fixed Python loop (`bench/machine.py`): 57 ms to 101 ms within the same minute,
idle, on 2026-11-29."""


def render(
    *,
    config: Config,
    machine: Machine,
    servers: dict[str, tuple[str, dict[str, str]]],
    sections: dict[str, Section[Any]],
    figures: dict[str, dict[str, object]],
    started: datetime,
    seconds: float,
    load: tuple[str, str],
) -> str:
    intro = INTRO.format(sections=", ".join(f"`{name}`" for name in SECTIONS))
    parts = [intro, _machine(config, machine, servers, started, seconds, load)]
    for name, section in sections.items():
        parts.append(f"## {section.TITLE}\n\n{section.render(figures[name], config)}")
    parts.append(NOTES.read_text(encoding="utf-8").strip())
    return "\n\n".join(parts) + "\n"


def _machine(
    config: Config,
    machine: Machine,
    servers: dict[str, tuple[str, dict[str, str]]],
    started: datetime,
    seconds: float,
    load: tuple[str, str],
) -> str:
    rows = [
        (
            "Date",
            f"{started:%Y-%m-%d %H:%M} {started.astimezone().tzname()}, "
            f"{seconds / 60:.0f} minutes in all",
        ),
        ("Command", f"`{config.command}`"),
        ("CPU", f"{machine.cpu}, {machine.cores} cores"),
        ("Memory", f"{machine.memory_gib:.1f} GiB"),
        ("System", machine.system),
        ("Python", machine.python),
    ]
    for key, (version, settings) in servers.items():
        shown = ", ".join(f"{name}={value}" for name, value in settings.items())
        rows.append((NAMES[key], f"{version} ({shown})"))
    rows += [("Load at start", load[0]), ("Load at end", load[1])]
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    return f"## Machine and run\n\n| | |\n| --- | --- |\n{table}"
