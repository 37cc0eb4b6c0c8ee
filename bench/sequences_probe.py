"""The SMTP floor of the sequences section, in a process of its own, as a worker is:
`python -m bench.sequences_probe SMTP_URL COUNT START` sends COUNT mails through the worker's
own mailer (`reachout.sequences.mail`: one connection kept open, a NOOP before each mail) to
the sink, with no database, from the wall-clock time START on (so that several probes start
together), and prints `{"seconds": ...}`: from START to the last mail accepted.
"""

from __future__ import annotations

import json
import sys
import time
from email.utils import make_msgid

from reachout.sequences.mail import Letter, Mailer, Outcome, SmtpConfig


def letter(n: int) -> Letter:
    """A mail of the size the section's sequence sends."""
    return Letter(
        from_name="Bench Sender",
        from_address="sender@bench.example",
        to_address=f"floor-{n}@bench.example",
        subject=f"Person {n}, a role at Acme",
        body=f"Hi Person {n},\n\nYour work caught my eye.\n\nBench Sender",
        message_id=make_msgid(domain="bench.example"),
    )


def main(url: str, count: int, start: float) -> dict[str, float]:
    mailer = Mailer(SmtpConfig.from_url(url))
    letters = [letter(n) for n in range(count)]
    time.sleep(max(0.0, start - time.time()))
    for one in letters:
        delivery = mailer.send(one)
        if delivery.outcome != Outcome.sent:
            raise SystemExit(f"the sink refused a mail: {delivery}")
    # From START, not from this process's own start: a probe that started late counts it.
    seconds = time.time() - start
    mailer.close()
    return {"seconds": seconds}


if __name__ == "__main__":
    smtp_url, how_many, at = sys.argv[1:4]
    print(json.dumps(main(smtp_url, int(how_many), float(at))))
