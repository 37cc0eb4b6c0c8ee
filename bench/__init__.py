"""Reachout's benchmark: `python -m bench` measures the SPEC §6 quality bars on real databases.

For each database it seeds a team with the synthetic generator (`reachout seed synthetic`),
then runs the sections in turn, and writes every figure to docs/performance.md. A section is a
module of `bench.sections` with a `TITLE`, a `measure(target, config)` that returns its
figures for one database, and a `render(figures, config)` that turns the figures of all the
databases into Markdown; list it in `bench.sections.SECTIONS`. Sections still to come: HTTP
load of single-touchpoint logging, server memory under a 50,000-candidate bulk request, page
render times.
"""
