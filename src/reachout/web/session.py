"""The signed session cookie: who is signed in, and the CSRF token of their forms.

Everything a session needs lives in the cookie, signed with the instance secret, so any server
process can serve any request (SPEC §5) and nothing is kept in process memory.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from reachout.db import Database
from reachout.instance import ensure_secret_key

COOKIE = "reachout_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
MAX_AGE_SECONDS = 14 * 24 * 3600

_key_lock = threading.Lock()


@dataclass
class WebSession:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    user_id: int | None = None
    # Set when the cookie must be (re)written on the way out.
    changed: bool = False

    def sign_in(self, user_id: int) -> None:
        # A new CSRF token with every sign-in: a token seen before it is worth nothing after.
        self.user_id, self.csrf, self.changed = user_id, secrets.token_urlsafe(32), True

    def sign_out(self) -> None:
        self.user_id, self.csrf, self.changed = None, secrets.token_urlsafe(32), True

    def csrf_matches(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(sent.encode(), self.csrf.encode())


def load_secret_key(app: FastAPI, db: Database) -> str:
    """The instance secret, read (or made) once per process and kept on app.state."""
    key: str | None = getattr(app.state, "secret_key", None)
    if key is None:
        with _key_lock:
            key = getattr(app.state, "secret_key", None)
            if key is None:
                with db.unit_of_work() as session:
                    key = ensure_secret_key(session, db.settings)
                app.state.secret_key = key
    return key


def _serializer(request: Request) -> URLSafeTimedSerializer:
    key = load_secret_key(request.app, request.app.state.db)
    return URLSafeTimedSerializer(key, salt="reachout.session")


def read_session(request: Request) -> WebSession:
    """The caller's session; a new anonymous one (to be set) when the cookie is absent or bad."""
    raw = request.cookies.get(COOKIE)
    if raw:
        try:
            data: Any = _serializer(request).loads(raw, max_age=MAX_AGE_SECONDS)
            csrf, user_id = data["csrf"], data.get("uid")
            if isinstance(csrf, str) and (user_id is None or isinstance(user_id, int)):
                return WebSession(csrf=csrf, user_id=user_id)
        except (BadSignature, KeyError, TypeError):
            pass
    return WebSession(changed=True)


def write_session(request: Request, response: Response, web_session: WebSession) -> None:
    value = _serializer(request).dumps({"csrf": web_session.csrf, "uid": web_session.user_id})
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
