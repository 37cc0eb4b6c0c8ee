"""Signed-in web sessions: started at sign-in, checked on every page, ended on demand.

A session is a row (`StoredSession`) that its cookie names by a random secret. Ending a
session deletes its row, which every server process sees on the next request that cookie makes.
"""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from reachout.config import SESSION_LIFETIME
from reachout.kit import security
from reachout.kit.time import now
from reachout.models import StoredSession, User
from reachout.users import repository


def start_session(session: Session, *, user_id: int) -> str:
    """A new session of the user; its secret, for the cookie, is returned once."""
    moment = now()
    # The user's expired sessions go as a new one comes: the table holds live sessions and few
    # others, with no cleaning job to run.
    repository.delete_expired_sessions(session, user_id=user_id, at=moment)
    secret = secrets.token_urlsafe(32)
    session.add(
        StoredSession(
            secret_hash=security.hash_token(secret),
            user_id=user_id,
            created_at=moment,
            expires_at=moment + SESSION_LIFETIME,
        )
    )
    session.flush()
    return secret


def session_user(session: Session, *, secret: str) -> User | None:
    """The active user of a live session, or None: one statement, as every page runs it."""
    user = repository.session_user(session, secret_hash=security.hash_token(secret), at=now())
    return user if user is not None and user.is_active else None


def end_session(session: Session, *, secret: str) -> None:
    """End one session (signing out)."""
    repository.delete_session(session, secret_hash=security.hash_token(secret))


def end_sessions(session: Session, *, user_id: int, keep: str | None = None) -> None:
    """End every session of the user, but the one whose secret is `keep` (the caller's own,
    after a password change)."""
    keep_hash = security.hash_token(keep) if keep is not None else None
    repository.delete_sessions_of(session, user_id=user_id, keep_hash=keep_hash)
