"""Single-touchpoint logging through nginx (issue 21): the proxy's cost, with one and with two
app processes behind it, beside the same load sent to the servers directly. PostgreSQL only:
several processes behind a proxy is how Reachout runs on more than one core or host."""

from __future__ import annotations

import json
import random
import secrets
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bench import loadgen, nginx
from bench.config import SEED, Config
from bench.server import Server, _children, _free_port, api_token, cpu_seconds, serve
from bench.targets import Target
from bench.timing import ms
from reachout.models import Candidate

TITLE = "Behind nginx (issue 21)"
PATH = "/api/v1/touchpoints"
WARM_UP = 200
CHANNELS = ("inmail", "email", "text", "call")


@dataclass(frozen=True)
class Phase:
    outcome: loadgen.Outcome
    server_cpu: float  # seconds, every app process
    nginx_cpu: float | None  # seconds, nginx's processes (None: no nginx)


def measure(target: Target, config: Config) -> dict[str, Phase] | None:
    if target.key != "postgresql":
        return None
    if not nginx.NGINX.exists():
        raise SystemExit(
            f"error: the nginx section needs {nginx.NGINX}: apt-get install nginx-light"
        )
    headers = {"Authorization": f"Bearer {api_token(target)}", "Content-Type": "application/json"}
    requests = _Requests(target)
    phases: dict[str, Phase] = {}
    work = target.workdir / "nginx-section"
    with serve(target, target.workdir, workers=1) as one:
        phases["direct, 1 process"] = _phase(one.base_url, [one], None, headers, config, requests)
        with _nginx(work / "one", [one]) as proxy:
            phases["nginx, 1 process"] = _phase(
                proxy.base_url, [one], proxy, headers, config, requests
            )
    with serve(target, target.workdir, workers=2) as two:
        phases["direct, 2 processes (--workers 2)"] = _phase(
            two.base_url, [two], None, headers, config, requests
        )
    with ExitStack() as stack:
        pair = [stack.enter_context(serve(target, target.workdir, workers=1)) for _ in range(2)]
        proxy = stack.enter_context(_nginx(work / "two", pair))
        phases["nginx, 2 processes (two servers)"] = _phase(
            proxy.base_url, pair, proxy, headers, config, requests
        )
    return phases


class _Requests:
    """Requests like the load section's: random candidates of the seeded team, every channel,
    each with a key of its own."""

    def __init__(self, target: Target) -> None:
        with target.db.unit_of_work(write=False) as session:
            self.candidate_ids = list(
                session.scalars(
                    # Live ones only: the import section leaves the people it made deleted.
                    select(Candidate.id).where(
                        Candidate.team_id == target.team_id, Candidate.deleted_at.is_(None)
                    )
                )
            )
        self.rng = random.Random(SEED)
        self.run = secrets.token_hex(4)
        self.made = 0

    def take(self, count: int) -> list[loadgen.Request]:
        out = []
        for _ in range(count):
            self.made += 1
            body = {
                "candidate_id": self.rng.choice(self.candidate_ids),
                "channel": self.rng.choice(CHANNELS),
            }
            key = {"Idempotency-Key": f"bench-nginx-{self.run}-{self.made}"}
            out.append(loadgen.Request(PATH, json.dumps(body).encode(), key))
        return out


def _nginx(workdir: Path, servers: list[Server]) -> AbstractContextManager[nginx.Nginx]:
    port = _free_port()
    upstreams = [server.base_url.removeprefix("http://") for server in servers]
    site = nginx.site(upstreams, listen=f"127.0.0.1:{port}")
    return nginx.running(workdir, site, port=port, tls=False)


def _phase(
    url: str,
    servers: list[Server],
    proxy: nginx.Nginx | None,
    headers: dict[str, str],
    config: Config,
    requests: _Requests,
) -> Phase:
    def drive(count: int) -> loadgen.Outcome:
        return loadgen.run(
            url,
            requests.take(count),
            clients=config.load_clients,
            seconds=config.load_seconds,
            rate=None,
            expect=201,
            headers=headers,
        )

    drive(WARM_UP)
    app_pids = [pid for server in servers for pid in server.serving_pids()]
    proxy_pids = [proxy.process.pid, *_children(proxy.process.pid)] if proxy else []
    app_before, proxy_before = cpu_seconds(app_pids), cpu_seconds(proxy_pids)
    outcome = drive(config.load_requests)
    return Phase(
        outcome,
        cpu_seconds(app_pids) - app_before,
        cpu_seconds(proxy_pids) - proxy_before if proxy else None,
    )


def render(figures: dict[str, dict[str, Phase] | None], config: Config) -> str:
    measured = {key: f for key, f in figures.items() if f}
    if not measured:
        return "PostgreSQL only: not measured in this run."
    lines = [
        f"{config.load_clients} concurrent clients (the load section's load generator, "
        f"keep-alive connections) `POST {PATH}` for random candidates of the seeded team, "
        "each with its own `Idempotency-Key`, as fast as answered; up to "
        f"{config.load_requests:,} requests or {config.load_seconds:.0f} s per phase, after "
        f"{WARM_UP} untimed. *Direct*: to `reachout serve` itself (one process, or "
        "`--workers 2`). *nginx*: through Debian's nginx on loopback, configured as "
        "docs/deploy.md says (bench/nginx.py: keep-alive connections to the servers, plain "
        "HTTP: no TLS), in front of one server, or of two `reachout serve` processes of one "
        "worker each. Latency in milliseconds, the client's; CPU in milliseconds per request. "
        "The load generator, nginx, the servers and PostgreSQL share the machine's cores.",
        "",
        "| phase | requests | errors | req/s | p50 | p95 | p99 | CPU/request: servers | nginx |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for phases in measured.values():
        for name, p in phases.items():
            o = p.outcome
            answered = len(o.latencies) or 1
            proxy = f"{p.nginx_cpu * 1000 / answered:.2f}" if p.nginx_cpu is not None else "-"
            lines.append(
                f"| {name} | {o.sent:,} | {o.error_count:,} | {o.throughput:,.0f} | "
                f"{ms(o.percentile_ms(50))} | {ms(o.percentile_ms(95))} | "
                f"{ms(o.percentile_ms(99))} | {p.server_cpu * 1000 / answered:.2f} | {proxy} |"
            )
    errors = [
        f"{name}: {p.outcome.errors}"
        for phases in measured.values()
        for name, p in phases.items()
        if p.outcome.errors
    ]
    if errors:
        lines += ["", "Errors: " + "; ".join(errors) + "."]
    return "\n".join(lines)
