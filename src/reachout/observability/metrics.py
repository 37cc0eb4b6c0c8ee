"""`GET /metrics` in Prometheus' text format, and the instruments it reports.

Off (404, as if absent) unless REACHOUT_METRICS_TOKEN is set; then only for a caller sending
it as a bearer token. With several server processes (`reachout serve --workers N`), each
process writes its values to files in PROMETHEUS_MULTIPROC_DIR and a scrape, answered by any
one of them, sums them all (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from sqlalchemy import Engine, Insert, event
from sqlalchemy.engine import Connection

from reachout.errors import Unauthorized
from reachout.models import Touchpoint
from reachout.observability.processes import MULTIPROC_DIR

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Instruments:
    requests: Counter
    latency: Histogram
    connections: Gauge
    touchpoints: Counter
    sends: Counter


@cache
def instruments() -> Instruments:
    """The process's instruments, registered once (in the default registry) when first used."""
    by = ("method", "route", "status")
    return Instruments(
        requests=Counter("reachout_http_requests", "HTTP requests answered.", by),
        latency=Histogram(
            "reachout_http_request_duration_seconds", "Time to answer a request.", by
        ),
        # livesum: the processes alive now, each its own pool.
        connections=Gauge(
            "reachout_db_connections_checked_out",
            "Database connections in use (taken from the pools).",
            multiprocess_mode="livesum",
        ),
        touchpoints=Counter("reachout_touchpoints_written", "Touchpoints written (committed)."),
        sends=Counter("reachout_sequence_sends", "Sequence emails handed to SMTP.", ("outcome",)),
    )


class RequestMetrics:
    """`requests.Observe` for the request middleware: a request's count and latency. The
    labelled children are kept by their labels, so that a request costs two increments and a
    dict lookup, not prometheus-client's label validation."""

    def __init__(self) -> None:
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def __call__(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            ours = instruments()
            labels = (method, route, str(status))
            children = self._children[key] = (
                ours.requests.labels(*labels),
                ours.latency.labels(*labels),
            )
        children[0].inc()
        children[1].observe(seconds)


def count_send(outcome: str) -> None:
    instruments().sends.labels(outcome).inc()


# --- database --------------------------------------------------------------------------------

_PENDING = "reachout_touchpoints_pending"
TOUCHPOINT = Touchpoint.__tablename__


def instrument_engine(engine: Engine) -> None:
    """Count the engine's checked-out connections, and the touchpoints its transactions write
    (counted at commit, whichever path wrote them: one log, a bulk log, an import). Once per
    engine, however many apps share it."""
    for target, name, listener in (
        (engine.pool, "checkout", _checked_out),
        (engine.pool, "checkin", _checked_in),
        (engine, "after_execute", _executed),
        (engine, "after_cursor_execute", _cursor_executed),
        (engine, "commit", _committed),
        (engine, "rollback", _rolled_back),
    ):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


def _checked_out(*_: Any) -> None:
    instruments().connections.inc()


def _checked_in(*_: Any) -> None:
    instruments().connections.dec()


def _touchpoint_insert(statement: Any) -> Insert | None:
    # By the table's name: an ORM statement's table is an annotated copy of the Table.
    if isinstance(statement, Insert) and statement.table.name == TOUCHPOINT:
        return statement
    return None


def _executed(
    conn: Connection, statement: Any, multiparams: Any, params: Any, options: Any, result: Any
) -> None:
    insert = _touchpoint_insert(statement)
    # INSERT ... VALUES: a row per parameter set (INSERT ... SELECT: below).
    if insert is not None and insert.select is None:
        _pending(conn, max(len(multiparams), 1))


def _cursor_executed(
    conn: Connection, cursor: Any, sql: str, parameters: Any, context: Any, executemany: bool
) -> None:
    # INSERT ... SELECT: the rows it wrote, which only its cursor still knows (the statement's
    # result no longer has them).
    if context.isinsert:
        insert = _touchpoint_insert(getattr(context.compiled, "statement", None))
        if insert is not None and insert.select is not None and cursor.rowcount > 0:
            _pending(conn, cursor.rowcount)


def _pending(conn: Connection, written: int) -> None:
    conn.info[_PENDING] = conn.info.get(_PENDING, 0) + written


def _committed(conn: Connection) -> None:
    written = conn.info.pop(_PENDING, 0)
    if written:
        instruments().touchpoints.inc(written)


def _rolled_back(conn: Connection) -> None:
    conn.info.pop(_PENDING, None)


# --- several processes -----------------------------------------------------------------------


def process_exiting() -> None:
    """Leave the live gauges' sum (a server process stopping; another may replace it)."""
    path = os.environ.get(MULTIPROC_DIR)
    if path:
        prometheus_multiprocess.mark_process_dead(os.getpid(), path)  # type: ignore[no-untyped-call]


# --- the endpoint ----------------------------------------------------------------------------


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus' scrape."""
    token: str | None = request.app.state.settings.metrics_token
    if not token:
        raise HTTPException(404)
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        # Answered as problem+json by the app's handler (problems.py), request id included.
        raise Unauthorized("send the metrics token: Authorization: Bearer <REACHOUT_METRICS_TOKEN>")
    registry = REGISTRY
    if os.environ.get(MULTIPROC_DIR):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
