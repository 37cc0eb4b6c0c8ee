"""Health checks for a load balancer or an orchestrator: `/healthz`, the process answers;
`/readyz`, it can serve requests (its database answers and has this version's schema).

Both answer anyone, without a session or a token: a health checker has neither. Neither is
in the OpenAPI document, nor names the database or its error (those go to the log).
"""

from __future__ import annotations

import logging
import threading

import anyio
import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from reachout import migrate
from reachout.db import Database

log = logging.getLogger("reachout.health")

# A readiness check answers 503 after this long: a health checker's own timeout is often 5 s,
# and a database that takes longer than this for `SELECT 1` cannot serve requests either.
READY_TIMEOUT_SECONDS = 2.0
NO_STORE = {"Cache-Control": "no-store"}

router = APIRouter(include_in_schema=False)


class Readiness:
    """A process's readiness check. One runs at a time: against a database that hangs, the
    checks of a health checker polling every second hold one thread, not one more each time."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._running = threading.Lock()
        self._head: str | None = None
        self._known: frozenset[str] = frozenset()

    def problem(self) -> str | None:
        """Why the process cannot serve requests now, or None: it can."""
        if not self._running.acquire(blocking=False):
            return "an earlier check is still waiting for the database"
        try:
            return self._check()
        finally:
            self._running.release()

    def _check(self) -> str | None:
        if not self._known:  # read once: the code's migrations do not change while it runs
            self._head, self._known = migrate.head_revision(), migrate.known_revisions()
        try:
            with self.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                current = migrate.revision_on(conn)
        except SQLAlchemyError as error:
            log.warning("not ready: the database did not answer: %s", error)
            return "the database does not answer"
        if current == self._head:
            return None
        if current is not None and current not in self._known:
            # A newer version's migration: in a rolling upgrade the migrations run before the
            # new code starts, and the old processes go on serving (docs/deploy.md) until they
            # are replaced. Refusing them here would take every old process out at once.
            return None
        at = f"revision {current}" if current else "no schema"
        return f"the database has {at}, this version needs {self._head}: run `reachout db upgrade`"


def install(app: FastAPI) -> None:
    app.state.readiness = Readiness(app.state.db)
    app.include_router(router)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up, whatever the state of its database."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve (200), or not and why (503)."""
    readiness: Readiness = request.app.state.readiness
    problem: str | None = "the database did not answer in time"
    # A check stuck on the database is left to finish in its thread: the answer cannot wait.
    with anyio.move_on_after(READY_TIMEOUT_SECONDS):
        problem = await anyio.to_thread.run_sync(readiness.problem, abandon_on_cancel=True)
    if problem is None:
        return JSONResponse({"status": "ready"}, headers=NO_STORE)
    return JSONResponse({"status": "unavailable", "reason": problem}, 503, headers=NO_STORE)
