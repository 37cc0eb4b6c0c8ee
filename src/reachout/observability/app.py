"""How the app gets its request log and its metrics."""

from __future__ import annotations

from fastapi import FastAPI

from reachout.db import Database
from reachout.observability import metrics
from reachout.observability.requests import RequestLog


def install(app: FastAPI, *, db: Database, metrics_on: bool) -> None:
    """The request log (and request id) on every request; with metrics on, the instruments."""
    observe = None
    if metrics_on:
        for engine in db.engines:
            metrics.instrument_engine(engine)
        observe = metrics.RequestMetrics()
    app.add_middleware(RequestLog, observe=observe)
    app.include_router(metrics.router)


def stopping() -> None:
    """A server process's app is shutting down."""
    metrics.process_exiting()
