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
            # Each hop to the thread pool costs time under load: the session's work outside
            # the endpoint takes one hop before it (the key's claim) and one after (the end).
            ended = False
            try:
                claim: int | None = None
                key = request.headers.get(idempotency.HEADER)
                if idempotent and key is not None:
                    outcome = await _claim(request, session, key)
                    if isinstance(outcome, Response):
                        ended = True
                        await run_in_threadpool(_end, session, commit=False)
                        return outcome
                    claim = outcome
                response = await handler(request)
                ended = True
                commit = response.status_code < 400
                await run_in_threadpool(_end, session, commit=commit, claim=claim, answer=response)
                return response
            except BaseException:
                if not ended:
                    await run_in_threadpool(_end, session, commit=False)
                raise

        return run


def _end(
    session: Session,
    *,
    commit: bool,
    claim: int | None = None,
    answer: Response | None = None,
) -> None:
    """Commit (with the answer stored for its idempotency key) or roll back, then close."""
    try:
        if not commit:
            session.rollback()
            return
        if claim is not None and answer is not None:
            idempotency.remember(session, claim, answer)
        session.commit()
    finally:
        session.close()


async def _claim(request: Request, session: Session, key: str) -> int | Response | None:
    """Claim the key for the caller; None when the caller is unknown (the route answers 401)."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret:
        return None
    body = await request.body()
    return await run_in_threadpool(_claim_for_caller, request, session, secret, key, body)


def _claim_for_caller(
    request: Request, session: Session, secret: str, key: str, body: bytes
) -> int | Response | None:
    try:
        user = users.authenticate_token(session, secret, write=True)
    except Unauthorized:
        return None
    # The route's own authentication (reachout.auth) takes the caller from here: the same
    # header, checked once.
    request.state.user = user
    request_print = idempotency.fingerprint(request.method, request.url.path, body)
    return idempotency.claim(session, owner_id=user.id, key=key, request_print=request_print)


async def get_session(request: Request) -> Session:
    """The request's session. A coroutine, though it does no I/O: a plain function dependency
    would cost each request a trip to the thread pool."""
    session: Session = request.state.session
    return session
