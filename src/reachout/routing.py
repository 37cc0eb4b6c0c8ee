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
from typing import Any, Protocol, cast

import anyio.to_thread
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from reachout import idempotency
from reachout.db import Database
from reachout.models import User
from reachout.observability.requests import identify

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


class Authenticate(Protocol):
    """How the API authenticates its callers: the user of a bearer token's secret, or
    Unauthorized. A write request may record the token's use."""

    def __call__(self, session: Session, secret: str, *, write: bool) -> User: ...


def install(app: FastAPI, *, authenticate: Authenticate) -> None:
    """Give the app's API routes their authentication. The app installs it rather than this
    module importing it: authentication is the users domain's, and the domains build on the
    routes."""
    app.state.authenticate = authenticate


@dataclass
class Unit:
    """An API request's unit of work, made in the endpoint's trip to the thread pool."""

    session: Session
    authenticate: Authenticate
    # The bearer token's secret; without one, `current_user` answers 401 before any trip.
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
    """What `reachout.users.auth.current_user` gives an API endpoint: a stand-in that ApiRoute
    replaces with the authenticated user in the endpoint's trip to the thread pool (a coroutine
    dependency has no trip of its own, and the token's lookup belongs to the request's
    transaction)."""


CALLER = cast(User, Caller())


class ApiRoute(APIRoute):
    """An API route: the whole unit of work in one trip to the thread pool.

    The endpoint (a plain function) runs in a worker thread together with everything else that
    touches the database, in this order: the caller's authentication, the Idempotency-Key
    claim (routes declared with `openapi_extra=IDEMPOTENT`), the endpoint, the answer's
    serialisation, its record for the key, and the commit. A request so holds its database
    connection within one trip: holding it across several, a request could wait for a thread
    behind requests that waited for its connection.
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
            user = unit.authenticate(session, unit.secret, write=unit.write)
            identify(user_id=user.id, team_id=user.team_id)
            claim = _claim(session, unit, user)
            if isinstance(claim, Response):
                session.rollback()
                return claim
            values = {k: user if v is CALLER else v for k, v in values.items()}
            response = self._answer(endpoint(**values))
            _keep_headers(response, values)
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
                request.app.state.authenticate,
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
                # A bad token is a 401 (SPEC §4), whatever else is wrong.
                if unit.secret is not None:
                    await run_in_threadpool(_authenticate_apart, db, unit)
                raise
            finally:
                _unit.reset(token)
                if not unit.started:
                    # Never connected (the request failed before its endpoint): no I/O.
                    unit.session.close()

        return run


def _keep_headers(response: Response, values: dict[str, Any]) -> None:
    """Headers an endpoint set on its `response: Response` parameter (FastAPI's way), kept on
    the answer ApiRoute makes."""
    for value in values.values():
        if isinstance(value, Response) and value is not response:
            response.headers.update(value.headers)


def _claim(session: Session, unit: Unit, user: User) -> int | Response | None:
    """The request's claim on its Idempotency-Key, made after the caller is authenticated (a
    bad token is a 401 before a bad key is a 422): the claim's id, the answer to replay, or
    None without a key."""
    if unit.key is None:
        return None
    return idempotency.claim(
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


def _authenticate_apart(db: Database, unit: Unit) -> None:
    """Authenticate the caller of a request that failed before its endpoint's trip."""
    with db.unit_of_work(write=False) as session:
        unit.authenticate(session, cast(str, unit.secret), write=False)


async def get_session(request: Request) -> Session:
    """The request's session. A coroutine, though it does no I/O: a plain function dependency
    would cost each request a trip to the thread pool."""
    session: Session = request.state.session
    return session
