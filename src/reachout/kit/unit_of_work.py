"""One session and one transaction per API request, committed before the answer is sent."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from reachout.db import Database

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UnitOfWorkRoute(APIRoute):
    """Opens the request's session and commits it before the response leaves.

    Committing here rather than in a yield-dependency's exit code means a 2xx is never sent for
    a write that is not yet durable: if the commit fails, the client gets an error instead.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            db: Database = request.app.state.db
            session = db.new_session(write=request.method not in SAFE_METHODS)
            request.state.session = session
            try:
                response = await handler(request)
                if response.status_code < 400:
                    await run_in_threadpool(session.commit)
                else:
                    await run_in_threadpool(session.rollback)
                return response
            except BaseException:
                await run_in_threadpool(session.rollback)
                raise
            finally:
                await run_in_threadpool(session.close)

        return run


def get_session(request: Request) -> Session:
    session: Session = request.state.session
    return session
