"""The signed session cookie: a signed-in session's secret, and the CSRF token of its forms.

The cookie names a signed-in session by its secret; the session itself is a database row
(`models.StoredSession`), so that sign-out ends it for every copy of the cookie and any server
process can serve any request (SPEC §5), with nothing kept in process memory. An anonymous
session (the sign-in form's CSRF token) is the cookie alone.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from reachout.config import SESSION_LIFETIME
from reachout.db import Database
from reachout.instance import ensure_secret_key

COOKIE = "reachout_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
MAX_AGE_SECONDS = int(SESSION_LIFETIME.total_seconds())

_key_lock = threading.Lock()


@dataclass
class WebSession:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # The secret of the signed-in session (a StoredSession's); None: anonymous.
    secret: str | None = None
    # Set when the cookie must be (re)written on the way out.
    changed: bool = False

    def sign_in(self, secret: str) -> None:
        # A new CSRF token with every sign-in: a token seen before it is worth nothing after.
        self.secret, self.csrf, self.changed = secret, secrets.token_urlsafe(32), True

    def sign_out(self) -> None:
        self.secret, self.csrf, self.changed = None, secrets.token_urlsafe(32), True

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
            # Only a session's secret ("sid") signs in: a cookie without one is anonymous.
            csrf, secret = data["csrf"], data.get("sid")
            if isinstance(csrf, str) and (secret is None or isinstance(secret, str)):
                return WebSession(csrf=csrf, secret=secret)
        except (BadSignature, KeyError, TypeError):
            pass
    return WebSession(changed=True)


def write_session(request: Request, response: Response, web_session: WebSession) -> None:
    value = _serializer(request).dumps({"csrf": web_session.csrf, "sid": web_session.secret})
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
