"""Reachout's benchmark: `python -m bench` measures the SPEC §6 quality bars on real databases.

For each database it seeds a team with the synthetic generator (`reachout seed synthetic`),
then runs the sections in turn, and writes every figure to docs/performance.md. A section is a
module of `bench.sections` with a `TITLE`, a `measure(target, config)` that returns its
figures for one database, and a `render(figures, config)` that turns the figures of all the
databases into Markdown; list it in `bench.sections.SECTIONS`. The sections: `seed`, `stats`
(Outreach Stats), `bulk` (bulk logging in process, beside the driver's floor), `api_bulk` (the
same through HTTP, and the server's peak memory), `load` (single-touchpoint logging by
concurrent clients), `web` (the heaviest pages) and `nginx` (the same load
through nginx: bench/nginx.py). Those that speak HTTP start `reachout serve`
in a process of their own (bench/server.py). `--sections` runs a subset; seeding always runs.
"""
