"""Who is calling: the API's bearer-token dependency."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from reachout.errors import Unauthorized
from reachout.models import User
from reachout.routing import SAFE_METHODS, get_session
from reachout.users import service as users

bearer = HTTPBearer(auto_error=False, description="A personal API token: `reachout token create`")


async def current_user(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    session: Session = Depends(get_session),
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send an API token: Authorization: Bearer <token>")
    # Already authenticated from this request's header, in this session (reachout.routing).
    known: User | None = getattr(request.state, "user", None)
    if known is not None:
        return known
    write = request.method not in SAFE_METHODS
    # A coroutine that sends only the lookup to the thread pool, so that a request whose
    # caller is known already makes no trip there.
    return await run_in_threadpool(
        users.authenticate_token, session, credentials.credentials, write=write
    )
