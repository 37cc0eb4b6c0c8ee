"""The API's route class: one unit of work per request, and idempotent POSTs."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from reachout.db import Database
from reachout.errors import Unauthorized
from reachout.kit import idempotency
from reachout.models import IdempotencyRecord
from reachout.users import service as users

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UnitOfWorkRoute(APIRoute):
    """Opens the request's session and commits it before the response leaves.

    Committing here rather than in a yield-dependency's exit code means a 2xx is never sent for
    a write that is not yet durable: if the commit fails, the client gets an error instead.
    Routes declared with `openapi_extra=IDEMPOTENT` also honour the Idempotency-Key header.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        idempotent = idempotency.is_idempotent(self.openapi_extra)

        async def run(request: Request) -> Response:
            db: Database = request.app.state.db
            session = db.new_session(write=request.method not in SAFE_METHODS)
            request.state.session = session
            try:
                claim: IdempotencyRecord | None = None
                key = request.headers.get(idempotency.HEADER)
                if idempotent and key is not None:
                    outcome = await _claim(request, session, key)
                    if isinstance(outcome, Response):
                        await run_in_threadpool(session.rollback)
                        return outcome
                    claim = outcome
                response = await handler(request)
                if response.status_code >= 400:
                    await run_in_threadpool(session.rollback)
                    return response
                if claim is not None:
                    await run_in_threadpool(idempotency.remember, session, claim, response)
                await run_in_threadpool(session.commit)
                return response
            except BaseException:
                await run_in_threadpool(session.rollback)
                raise
            finally:
                await run_in_threadpool(session.close)

        return run


async def _claim(
    request: Request, session: Session, key: str
) -> IdempotencyRecord | Response | None:
    """Claim the key for the caller; None when the caller is unknown (the route answers 401)."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret:
        return None
    try:
        user = await run_in_threadpool(users.authenticate_token, session, secret, write=True)
    except Unauthorized:
        return None
    request_print = idempotency.fingerprint(request.method, request.url.path, await request.body())
    return await run_in_threadpool(
        lambda: idempotency.claim(session, owner_id=user.id, key=key, request_print=request_print)
    )


def get_session(request: Request) -> Session:
    session: Session = request.state.session
    return session
