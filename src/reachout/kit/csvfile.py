"""The one CSV writer of every CSV the product makes (SPEC §7).

A spreadsheet runs a cell that begins with `=`, `+`, `-`, `@` (or a tab or carriage return,
which some strip first) as a formula, so a candidate, project or user named by anyone in the
team could make the reader's spreadsheet fetch a URL or run a command (OWASP's CSV injection).
Such a cell is written with a leading `'`, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Stream(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: Any) -> str:
    """A value as a CSV cell: None is empty, a formula-like text is prefixed with `'`."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class CsvWriter:
    """`csv.writer`, every cell through `safe_cell`."""

    def __init__(self, stream: _Stream) -> None:
        self._writer = csv.writer(stream, lineterminator="\n")

    def writerow(self, cells: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(c) for c in cells])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
