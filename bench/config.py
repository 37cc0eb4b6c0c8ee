"""What one benchmark run measures, from the command line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The team every section measures; its name says what made it.
TEAM = "Bench Recruiting"
TIME_ZONE = "America/New_York"
SEED = 20240601


@dataclass(frozen=True)
class Config:
    databases: tuple[str, ...]
    candidates: int
    touchpoints: int
    runs: int
    bulk_sizes: tuple[int, ...]
    # Single-touchpoint load: server processes per database, concurrent clients, and each
    # phase's bounds (requests, seconds) and the paced phases' rates (requests a second).
    load_workers: dict[str, int]
    load_clients: int
    load_requests: int
    load_seconds: float
    load_rates: tuple[float, ...]
    postgres_url: str | None
    output: Path
    sections: tuple[str, ...]
    command: str
