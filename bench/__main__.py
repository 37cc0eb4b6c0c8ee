"""`python -m bench`: measure on each database, write docs/performance.md."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench import report
from bench.config import Config
from bench.machine import describe, state
from bench.sections import SECTIONS
from bench.targets import NAMES, open_target


def main(argv: list[str] | None = None) -> None:
    config = _config(sys.argv[1:] if argv is None else argv)
    started, clock = datetime.now(), time.perf_counter()
    load_at_start = state()
    sections = {name: SECTIONS[name] for name in config.sections}
    figures: dict[str, dict[str, object]] = {name: {} for name in sections}
    servers: dict[str, tuple[str, dict[str, str]]] = {}
    with tempfile.TemporaryDirectory(prefix="reachout-bench-") as workdir:
        for key in config.databases:
            with open_target(key, config, Path(workdir)) as target:
                servers[key] = (target.version, target.settings)
                for name, section in sections.items():
                    _say(f"{NAMES[key]}: {section.TITLE} ...", clock)
                    figures[name][key] = section.measure(target, config)
    text = report.render(
        config=config,
        machine=describe(),
        servers=servers,
        sections=sections,
        figures=figures,
        started=started,
        seconds=time.perf_counter() - clock,
        load=(load_at_start, state()),
    )
    config.output.parent.mkdir(parents=True, exist_ok=True)
    config.output.write_text(text)
    _say(f"wrote {config.output}", clock)


def _say(message: str, clock: float) -> None:
    print(f"[{time.perf_counter() - clock:7.1f} s] {message}", file=sys.stderr, flush=True)


def _config(argv: list[str]) -> Config:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--touchpoints", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7, help="runs of each timed action")
    parser.add_argument(
        "--bulk-sizes", default="10000,50000", help="candidates per bulk request, comma-separated"
    )
    parser.add_argument(
        "--load-workers",
        default="sqlite=1,postgresql=2",
        help="server processes under load, per database (SQLite has one writer at a time: a "
        "second process only contends for it)",
    )
    parser.add_argument("--load-clients", type=int, default=32, help="concurrent clients")
    parser.add_argument(
        "--load-requests", type=int, default=3000, help="requests per load phase, at most"
    )
    parser.add_argument(
        "--load-seconds", type=float, default=20.0, help="seconds per load phase, at most"
    )
    parser.add_argument(
        "--load-rates",
        default="150,250,300",
        help="requests a second of the paced phases, comma-separated",
    )
    parser.add_argument(
        "--postgres-url",
        default=None,
        help="server to create the benchmark database on (default: REACHOUT_TEST_POSTGRES_URL, "
        "else a throwaway cluster started with .ci/postgres)",
    )
    parser.add_argument("--output", type=Path, default=Path("docs/performance.md"))
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated, of {', '.join(SECTIONS)} (seed always runs first)",
    )
    args = parser.parse_args(argv)
    databases = tuple(d.strip() for d in args.databases.split(",") if d.strip())
    unknown = [d for d in databases if d not in NAMES]
    chosen = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown += [s for s in chosen if s not in SECTIONS]
    try:
        workers = _per_database(args.load_workers)
    except ValueError:
        parser.error(f"--load-workers {args.load_workers}: give N, or sqlite=N,postgresql=N")
    unknown += [f"{key} (in --load-workers)" for key in workers if key not in NAMES]
    if unknown:
        parser.error(f"unknown: {', '.join(unknown)}")
    sizes = tuple(int(s) for s in args.bulk_sizes.split(",") if s.strip())
    if {"bulk", "api_bulk"} & set(chosen) and max(sizes, default=0) > args.candidates:
        parser.error("a bulk size is larger than --candidates")
    return Config(
        databases=databases,
        candidates=args.candidates,
        touchpoints=args.touchpoints,
        runs=args.runs,
        bulk_sizes=sizes,
        load_workers=workers,
        load_clients=args.load_clients,
        load_requests=args.load_requests,
        load_seconds=args.load_seconds,
        load_rates=tuple(float(r) for r in args.load_rates.split(",") if r.strip()),
        postgres_url=args.postgres_url,
        output=args.output,
        sections=tuple(dict.fromkeys(["seed", *chosen])),
        command=" ".join(["python -m bench", *map(shlex.quote, argv)]),
    )


def _per_database(text: str) -> dict[str, int]:
    """`sqlite=1,postgresql=2` as a dict; a bare number is for every database."""
    if text.strip().isdigit():
        return dict.fromkeys(NAMES, int(text))
    pairs = (item.split("=", 1) for item in text.split(",") if item.strip())
    return {key.strip(): int(value) for key, value in pairs}


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
