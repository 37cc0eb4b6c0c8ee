"""How well the reply status suggestions do: `python -m tests.mailbox.measure`.

Prints Markdown: accuracy, overall and for each batch of the set (the first batch was written
before the rules, the others after a version of the rules, each measured before any rule saw it),
then a confusion table (rows the label, columns the suggestion). `--misses` lists the misses.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from reachout.mailbox.suggest import suggest

REPLIES = Path(__file__).with_name("replies.jsonl")
STATUSES: list[str | None] = ["interested", "not_interested", "later", None]


@dataclass(frozen=True)
class Result:
    text: str
    label: str | None
    suggested: str | None
    batch: str


def run() -> list[Result]:
    rows = [json.loads(line) for line in REPLIES.read_text("utf-8").splitlines() if line.strip()]
    return [
        Result(
            row["text"],
            row["label"],
            suggest(row["text"]).status,
            row.get("written", "before the rules"),
        )
        for row in rows
    ]


def accuracy(results: list[Result]) -> float:
    return sum(r.label == r.suggested for r in results) / len(results)


def confusion(results: list[Result]) -> Counter[tuple[str | None, str | None]]:
    return Counter((r.label, r.suggested) for r in results)


def _name(status: str | None) -> str:
    return status or "none"


def report(results: list[Result]) -> str:
    counts = confusion(results)
    right = sum(r.label == r.suggested for r in results)
    lines = [f"Accuracy: {accuracy(results):.1%} ({right} of {len(results)} replies)", ""]
    for batch in dict.fromkeys(r.batch for r in results):
        of_batch = [r for r in results if r.batch == batch]
        right_here = sum(r.label == r.suggested for r in of_batch)
        lines.append(f"- written {batch}: {right_here} of {len(of_batch)}")
    lines += [
        "",
        "| label \\ suggested | " + " | ".join(_name(s) for s in STATUSES) + " | total |",
        "| --- |" + " ---: |" * (len(STATUSES) + 1),
    ]
    for label in STATUSES:
        row = [counts[(label, suggested)] for suggested in STATUSES]
        lines.append(f"| {_name(label)} | " + " | ".join(map(str, row)) + f" | {sum(row)} |")
    return "\n".join(lines)


def main() -> None:
    results = run()
    print(report(results))
    if "--misses" in sys.argv:
        for r in results:
            if r.label != r.suggested:
                print(f"\n{_name(r.label)} -> {_name(r.suggested)}: {r.text!r}")


if __name__ == "__main__":
    main()
