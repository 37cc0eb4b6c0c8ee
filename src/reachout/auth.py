"""Who is calling: the API's bearer-token dependency."""

from __future__ import annotations

from typing import cast

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from reachout.errors import Unauthorized
from reachout.models import User
from reachout.routing import CALLER

bearer = HTTPBearer(auto_error=False, description="A personal API token: `reachout token create`")


async def current_user(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> User:
    """The caller. Without a bearer token, 401 here; with one, the endpoint gets the token's
    user, looked up in its own trip to the thread pool with the rest of its unit of work
    (`reachout.routing.ApiRoute`), or a 401 if the token is not valid."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send an API token: Authorization: Bearer <token>")
    return cast(User, CALLER)
