"""An HTTP load generator: concurrent asyncio clients on keep-alive connections, bounded in
requests and in time, either as fast as the server answers or at a fixed rate.

The clients are aiohttp's: the load generator shares the machine's two cores with the server
and the database, so its own cost per request counts. Against a FastAPI endpoint that does
nothing, httpx's client spent 3.3-4.0 ms of CPU per request and could not send more than about
300 requests a second from its one core; aiohttp's spends a fraction of that.

A phase runs on uvloop, with the garbage collector off (as `timeit` does). Latency is timed by
this process, so its own pauses count against the server: in a benchmark run on 2026-11-29,
`gc.callbacks` saw full collections of 89 to 177 ms here during the load phases (the benchmark's
process holds what its other sections left). uvloop, the loop the server runs on, also cost the
clients about 15% less CPU per request than asyncio's (0.58-0.62 against 0.69-0.77 ms, paced at
200 req/s).
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# aiohttp comes with the `bench` extra (`pip install -e ".[bench]"`), not with `.[test]`: where
# it is missing, mypy takes it as Any; where it is installed (typed), the ignore is unused.
import aiohttp  # type: ignore[import-not-found, unused-ignore]
import uvloop


@dataclass(frozen=True)
class Request:
    path: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What one phase of load gave: every answered request's latency, and what went wrong."""

    sent: int
    seconds: float
    # Seconds from when each answered request was due to its whole answer.
    latencies: tuple[float, ...]
    # "HTTP 409", "ReadTimeout", ...: how many of each.
    errors: dict[str, int]

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def percentile_ms(self, q: int) -> float:
        if len(self.latencies) < 2:
            return max(self.latencies, default=0.0) * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1] * 1000


def run(
    base_url: str,
    requests: Sequence[Request],
    *,
    clients: int,
    seconds: float,
    rate: float | None,
    expect: int,
    headers: dict[str, str],
) -> Outcome:
    """POST `requests` in order until all are sent or `seconds` have passed.

    `rate` None: each client sends its next request as soon as it has its answer (the most the
    server gives to this many clients). A rate: request i is due at i / rate seconds, and its
    latency counts from then, so a server falling behind shows in the latency rather than
    slowing the clients down (no coordinated omission).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return uvloop.run(_run(base_url, requests, clients, seconds, rate, expect, headers))
    finally:
        if collecting:
            gc.enable()


async def _run(
    base_url: str,
    requests: Sequence[Request],
    clients: int,
    seconds: float,
    rate: float | None,
    expect: int,
    headers: dict[str, str],
) -> Outcome:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    sent = 0
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60.0)
    async with aiohttp.ClientSession(
        base_url=base_url, headers=headers, connector=connector, timeout=timeout
    ) as http:
        started = time.perf_counter()
        deadline = started + seconds

        def next_request() -> tuple[Request, float] | None:
            nonlocal sent
            now = time.perf_counter()
            if sent >= len(requests) or now >= deadline:
                return None
            due = started + sent / rate if rate else now
            sent += 1
            return requests[sent - 1], due

        await asyncio.gather(
            *(_client(http, next_request, expect, latencies, errors) for _ in range(clients))
        )
        elapsed = time.perf_counter() - started
    return Outcome(sent, elapsed, tuple(latencies), dict(errors))


async def _client(
    http: aiohttp.ClientSession,
    next_request: Callable[[], tuple[Request, float] | None],
    expect: int,
    latencies: list[float],
    errors: Counter[str],
) -> None:
    while (item := next_request()) is not None:
        request, due = item
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        try:
            post = http.post(request.path, data=request.body, headers=request.headers)
            async with post as answer:
                await answer.read()
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            errors[type(exc).__name__] += 1
            continue
        latencies.append(time.perf_counter() - due)
        if status != expect:
            errors[f"HTTP {status}"] += 1
