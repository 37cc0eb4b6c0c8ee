"""Repeated measurements and their summary (median, p95, max), in milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Timings:
    """Seconds taken by each run."""

    samples: tuple[float, ...]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        # Interpolated between the closest ranks: with 7 runs, between the 6th and the 7th.
        if len(self.samples) < 2:
            return self.max_ms
        return statistics.quantiles(self.samples, n=20, method="inclusive")[-1] * 1000

    @property
    def max_ms(self) -> float:
        return max(self.samples) * 1000


def timed(action: Callable[[], T]) -> tuple[float, T]:
    """Seconds taken by one call, and what it returned."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def repeat(action: Callable[[], object], runs: int) -> Timings:
    return Timings(tuple(timed(action)[0] for _ in range(runs)))


def ms(value: float) -> str:
    """A figure in milliseconds as the tables show it."""
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"
