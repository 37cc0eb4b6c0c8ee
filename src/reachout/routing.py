"""The route classes: one unit of work per request; for the API, in one trip to the thread pool.

Committing in the route class rather than in a yield-dependency's exit code means a 2xx is never
sent for a write that is not yet durable: if the commit fails, the client gets an error instead.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

import anyio.to_thread
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from reachout.db import Database
from reachout.kit import idempotency
from reachout.models import User
from reachout.users import service as users

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UnitOfWorkRoute(APIRoute):
    """A page's route: its endpoint and the commit in one trip to the thread pool.

    A plain-function endpoint runs in a worker thread together with what its dependencies left
    to do there (`Deferred` values, such as the signed-in user) and the end of the request's
    transaction: committed if the answer is below 400, rolled back otherwise. A request so
    holds its database connection within one trip; holding it across several, a request could
    wait for a thread behind requests that waited for its connection (see ApiRoute).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if asyncio.iscoroutinefunction(endpoint):
            raise TypeError(f"{endpoint.__name__}: a page must be a plain function")
        super().__init__(path, self._in_one_trip(endpoint), **kwargs)

    @staticmethod
    def _in_one_trip(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(endpoint)
        async def trip(**values: Any) -> Any:
            session = _page_session.get()
            return await run_in_threadpool(_page_work, session, endpoint, values)

        return trip

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            db: Database = request.app.state.db
            session = db.new_session(write=request.method not in SAFE_METHODS)
            request.state.session = session
            token = _page_session.set(session)
            try:
                return await handler(request)
            finally:
                _page_session.reset(token)
                # Ended by its trip; else the request failed before its endpoint, and the
                # session never connected.
                session.close()

        return run


class Deferred:
    """A dependency's value that needs the database: made in the endpoint's trip to the thread
    pool, on the request's session, rather than in a trip of its own."""

    def resolve(self, session: Session) -> Any:
        raise NotImplementedError


def _page_work(session: Session, endpoint: Callable[..., Any], values: dict[str, Any]) -> Any:
    try:
        answer = endpoint(
            **{k: v.resolve(session) if isinstance(v, Deferred) else v for k, v in values.items()}
        )
        if isinstance(answer, Response) and answer.status_code >= 400:
            session.rollback()
        else:
            session.commit()
        return answer
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_page_session: ContextVar[Session] = ContextVar("reachout_page_session")


@dataclass
class Unit:
    """An API request's unit of work, made in the endpoint's trip to the thread pool."""

    session: Session
    secret: str | None
    write: bool
    threads: int
    # The Idempotency-Key of a route that honours it, with the request's fingerprint.
    key: str | None = None
    request_print: str = ""
    started: bool = False


# The unit of the API request being answered: the thread pool runs the endpoint in a copy of
# the request's context.
_unit: ContextVar[Unit] = ContextVar("reachout_unit")


class Caller:
    """What `reachout.auth.current_user` gives an API endpoint: the caller's token, looked up
    in the endpoint's own trip to the thread pool (ApiRoute), in the request's transaction."""


CALLER = Caller()


class ApiRoute(APIRoute):
    """An API route: the whole unit of work in one trip to the thread pool.

    The endpoint (a plain function) runs in a worker thread together with everything else that
    touches the database: the caller's token, the Idempotency-Key claim (routes declared with
    `openapi_extra=IDEMPOTENT`), the answer's serialisation, its record for the key, and the
    commit. A request so holds its database connection within one trip. Before, it took up to
    four (token, claim, endpoint, commit), keeping its connection between them: a request
    holding one could wait for a thread behind requests that waited for its connection, and the
    hand-overs cost about 3 ms of CPU per single log (measured in process, with and without
    the thread pool).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, self._in_one_trip(endpoint), **kwargs)
        self._idempotent = idempotency.is_idempotent(self.openapi_extra)
        self._adapter: TypeAdapter[Any] | None = None

    def _in_one_trip(self, endpoint: Callable[..., Any]) -> Callable[..., Any]:
        # A coroutine to FastAPI, which so runs it on the event loop and sends the Response it
        # returns as it is: the trip to the thread pool is this one, with the API's limiter.
        @functools.wraps(endpoint)
        async def trip(**values: Any) -> Response:
            unit = _unit.get()
            unit.started = True
            limiter = _api_limiter(unit.threads)
            return await anyio.to_thread.run_sync(
                functools.partial(self._work, unit, endpoint, values), limiter=limiter
            )

        return trip

    def _work(self, unit: Unit, endpoint: Callable[..., Any], values: dict[str, Any]) -> Response:
        session = unit.session
        try:
            if unit.secret is None:  # current_user answers 401 before; never here
                raise RuntimeError("an API endpoint without current_user")
            user, outcome = _caller_and_claim(session, unit)
            if isinstance(outcome, Response):
                session.rollback()
                return outcome
            claim = outcome
            values = {k: user if v is CALLER else v for k, v in values.items()}
            response = self._answer(endpoint(**values))
            if response.status_code >= 400:
                session.rollback()
                return response
            if claim is not None:
                idempotency.remember(session, claim, response)
            session.commit()
            return response
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _answer(self, content: Any) -> Response:
        """The endpoint's return value as FastAPI would send it: validated against the route's
        response model, as JSON."""
        if isinstance(content, Response):
            return content
        status = self.status_code or 200
        if self.response_model is None:
            return Response(status_code=status)
        if self._adapter is None:
            self._adapter = TypeAdapter(self.response_model)
        value = self._adapter.validate_python(content, from_attributes=True)
        body = self._adapter.dump_json(value, by_alias=True)
        return Response(body, status_code=status, media_type="application/json")

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            db: Database = request.app.state.db
            write = request.method not in SAFE_METHODS
            scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
            unit = Unit(
                db.new_session(write=write),
                secret if scheme.lower() == "bearer" and secret else None,
                write,
                threads=min(db.settings.api_threads, db.settings.pool_size),
            )
            key = request.headers.get(idempotency.HEADER)
            if self._idempotent and key is not None and unit.secret is not None:
                unit.key = key
                body = await request.body()
                unit.request_print = idempotency.fingerprint(request.method, request.url.path, body)
            request.state.session = unit.session
            token = _unit.set(unit)
            try:
                return await handler(request)
            except RequestValidationError:
                # No token or a bad one is a 401 (SPEC §4), whatever else is wrong.
                if unit.secret is not None:
                    await run_in_threadpool(_check_token, db, unit.secret)
                raise
            finally:
                _unit.reset(token)
                if not unit.started:
                    # Never connected (the request failed before its endpoint): no I/O.
                    unit.session.close()

        return run


def _caller_and_claim(session: Session, unit: Unit) -> tuple[User, int | Response | None]:
    """The caller, and the request's claim on its Idempotency-Key (if it sent one): the claim's
    id, or the answer to replay. On PostgreSQL, one statement makes both (a round trip less)."""
    secret = cast(str, unit.secret)
    key = idempotency.usable_key(unit.key) if unit.key is not None else None
    if key is not None and session.get_bind().dialect.name == "postgresql":
        user, claimed = users.authenticate_token_with(
            session,
            secret,
            write=unit.write,
            also=idempotency.claim_by_token(),
            values=idempotency.claim_values(key, unit.request_print),
        )
        if claimed is None:
            return user, idempotency.taken(
                session, owner_id=user.id, key=key, request_print=unit.request_print
            )
        return user, claimed
    # A key `claim` refuses is refused after the token is checked: a bad token is a 401 first.
    user = users.authenticate_token(session, secret, write=unit.write)
    if unit.key is None:
        return user, None
    return user, idempotency.claim(
        session, owner_id=user.id, key=unit.key, request_print=unit.request_print
    )


# One limiter per event loop (a server process has one; tests start several).
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _api_limiter(threads: int) -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(threads)
    return limiter


def _check_token(db: Database, secret: str) -> None:
    with db.unit_of_work(write=False) as session:
        users.authenticate_token(session, secret, write=False)


async def get_session(request: Request) -> Session:
    """The request's session. A coroutine, though it does no I/O: a plain function dependency
    would cost each request a trip to the thread pool."""
    session: Session = request.state.session
    return session
