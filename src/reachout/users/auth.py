"""Who is calling: the API's bearer-token dependency and the pages' signed-in user.

Both are coroutines that touch no database: the route class looks the caller up in the
endpoint's own trip to the thread pool, in the request's transaction (`reachout.routing`).
"""

from __future__ import annotations

from typing import cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from reachout.errors import Unauthorized
from reachout.models import User
from reachout.observability.requests import identify
from reachout.routing import CALLER, Deferred
from reachout.users import sessions
from reachout.web.route import web_session_of

bearer = HTTPBearer(auto_error=False, description="A personal API token: `reachout token create`")


async def current_user(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
) -> User:
    """The caller. Without a bearer token, 401 here; with one, the endpoint gets the token's
    user (`users.service.authenticate_token`, which `routing.ApiRoute` calls), or the request a
    401 if the token is not valid."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send an API token: Authorization: Bearer <token>")
    return CALLER


async def page_user(request: Request) -> User:
    """The signed-in user; otherwise the error handler sends the browser to sign in."""
    secret = web_session_of(request).secret
    if secret is None:
        raise Unauthorized("sign in to continue")
    return cast(User, SignedIn(secret))


class SignedIn(Deferred):
    """A page's user, named by the session cookie's secret."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def resolve(self, session: Session) -> User:
        # The session's row and its user in one statement: an ended session (signed out, its
        # password changed, its user removed) or an expired one signs nobody in.
        user = sessions.session_user(session, secret=self.secret)
        if user is None:
            raise Unauthorized("sign in to continue")
        identify(user_id=user.id, team_id=user.team_id)
        return user
