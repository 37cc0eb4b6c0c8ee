"""`python -m bench.compare OLD.md NEW.md`: two benchmark reports side by side.

Both reports are `python -m bench` outputs (of two commits, run one after the other on the same
machine). Every figure that both hold in the same place (section, table, row, column) is
listed with its change; a figure more than `--tolerance` worse is marked. Times, memory and CPU
are better lower; rates (`req/s`, `/ s`) higher. Counts that describe the data rather than
measure the code (rows counted, requests sent, threads derived) are left out.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

# Columns and rows that describe the workload, not how fast it went.
NOT_MEASURED = re.compile(
    r"^(counted|requests|N|errors|statements|connections opened|speed probe|candidates|"
    r"database|group_by|period|phase|page|Threads derived)$"
)
# Sections that describe the run, not the code.
NOT_FIGURES = ("Machine and run", "Figures behind the design")
# What a run counted or sent: it names no row (it may differ by a few between runs).
COUNTS = re.compile(r"^(counted|requests|errors|statements)$")
# Ratios of two figures that are compared themselves.
RATIO = re.compile(r" / floor$")
HIGHER_IS_BETTER = re.compile(r"req/s|/ s\b")
NUMBER = re.compile(r"-?[\d,]*\.?\d+")


@dataclass(frozen=True)
class Figure:
    place: tuple[str, ...]  # section, table caption, row label, column
    value: float
    higher_is_better: bool


def figures(text: str) -> dict[tuple[str, ...], Figure]:
    """Every numeric cell of the report's tables (a `median / p95 / max` cell: its median)."""
    out: dict[tuple[str, ...], Figure] = {}
    section = caption = ""
    header: list[str] = []
    for line in text.splitlines():
        if line.startswith("## "):
            section, caption, header = line[3:].strip(), "", []
        elif line.startswith("*") and line.endswith("*"):  # a table's caption
            caption, header = line.strip("*"), []
        elif line.startswith("|"):
            cells = [c.strip().strip("*") for c in line.strip().strip("|").split("|")]
            if not header:
                header = _distinct(cells)
                continue
            if set("".join(cells)) <= set("-: ") or section in NOT_FIGURES:
                continue
            _add_row(out, section, caption, header, cells)
        elif not line.strip():
            header = []
    return out


def _distinct(header: list[str]) -> list[str]:
    """Column names made unique: `p95` after `SQLite median` is `SQLite p95`."""
    out, group = [], ""
    for name in header:
        if name.endswith(" median"):
            group = name.removesuffix(" median")
        elif group and name in ("p95", "max"):
            name = f"{group} {name}"
        out.append(name)
    return out


def _add_row(
    out: dict[tuple[str, ...], Figure],
    section: str,
    caption: str,
    header: list[str],
    cells: list[str],
) -> None:
    # A row is named by its leading cells up to the first measured one (group_by, period,
    # database): what the later unmeasured cells hold (requests sent) may differ between runs.
    named = []
    for column, cell in zip(header, cells, strict=False):
        if column and not NOT_MEASURED.match(column):
            break
        if not COUNTS.match(column):
            named.append(cell)
    label = " · ".join(c for c in named if c) or cells[0]
    for column, cell in zip(header, cells, strict=False):
        if not column or NOT_MEASURED.match(column) or RATIO.search(column):
            continue
        match = NUMBER.search(cell.split("/")[0] if " / " in cell else cell)
        if match is None:
            continue
        value = float(match.group().replace(",", ""))
        # A rate is a column's (req/s), or a row's in a table whose first column names rows.
        rate = bool(
            HIGHER_IS_BETTER.search(column) or (not header[0] and HIGHER_IS_BETTER.search(cells[0]))
        )
        place = (section, caption, label, column)
        out[place] = Figure(place, value, rate)


def compare(old: str, new: str, *, tolerance: float) -> str:
    before, after = figures(old), figures(new)
    lines = [
        "| section | table | row | column | old | new | change |",
        "| --- | --- | --- | --- | ---: | ---: | ---: |",
    ]
    worse = 0
    for place, was in before.items():
        now = after.get(place)
        if now is None or was.value == 0:
            continue
        change = (now.value - was.value) / was.value
        if was.higher_is_better:
            change = -change
        flagged = change > tolerance
        worse += flagged
        if abs(change) < 0.005:
            shown = "same"
        else:
            shown = f"{change:.0%} worse" if change > 0 else f"{-change:.0%} better"
        if flagged:
            shown = f"**{shown}**"
        lines.append(
            f"| {' | '.join(place)} | {_number(was.value)} | {_number(now.value)} | {shown} |"
        )
    summary = (
        f"{len(lines) - 2} figures compared; {worse} more than {tolerance:.0%} worse "
        "(in bold). Times, memory and CPU: lower is better; rates: higher."
    )
    return summary + "\n\n" + "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--tolerance", type=float, default=0.10)
    args = parser.parse_args(argv)
    print(compare(args.old.read_text(), args.new.read_text(), tolerance=args.tolerance), end="")


if __name__ == "__main__":
    main()
