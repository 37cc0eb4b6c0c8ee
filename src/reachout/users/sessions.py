"""Signed-in web sessions: started at sign-in, checked on every page, ended on demand.

A session is a row (`StoredSession`) that its cookie names by a random secret. Ending a
session deletes its row, which every server process sees on the next request that cookie makes.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.orm import Session

from reachout.kit import security
from reachout.kit.time import now
from reachout.models import StoredSession, User

# A session ends this long after sign-in, however much it is used (the cookie's lifetime too).
LIFETIME = timedelta(days=14)


def start_session(session: Session, *, user_id: int) -> str:
    """A new session of the user; its secret, for the cookie, is returned once."""
    moment = now()
    # The user's expired sessions go as a new one comes: the table holds live sessions and few
    # others, with no cleaning job to run.
    _delete(session, StoredSession.user_id == user_id, StoredSession.expires_at <= moment)
    secret = secrets.token_urlsafe(32)
    session.add(
        StoredSession(
            secret_hash=security.hash_token(secret),
            user_id=user_id,
            created_at=moment,
            expires_at=moment + LIFETIME,
        )
    )
    session.flush()
    return secret


def session_user(session: Session, *, secret: str) -> User | None:
    """The active user of a live session, or None: one statement, as every page runs it."""
    bound = {"secret_hash": security.hash_token(secret), "moment": now()}
    user = session.scalars(_session_user(), bound).first()
    return user if user is not None and user.is_active else None


@cache
def _session_user() -> Select[Any]:
    # Built once; the user's team comes in the same statement (User.team is lazy="joined").
    return (
        select(User)
        .join(StoredSession, StoredSession.user_id == User.id)
        .where(
            StoredSession.secret_hash == bindparam("secret_hash"),
            StoredSession.expires_at > bindparam("moment"),
        )
    )


def end_session(session: Session, *, secret: str) -> None:
    """End one session (signing out)."""
    _delete(session, StoredSession.secret_hash == security.hash_token(secret))


def end_sessions(session: Session, *, user_id: int, keep: str | None = None) -> None:
    """End every session of the user, but the one whose secret is `keep` (the caller's own,
    after a password change)."""
    if keep is None:
        _delete(session, StoredSession.user_id == user_id)
    else:
        _delete(
            session,
            StoredSession.user_id == user_id,
            StoredSession.secret_hash != security.hash_token(keep),
        )


def _delete(session: Session, *conditions: Any) -> None:
    # No session object is loaded, so none needs synchronising.
    stmt = delete(StoredSession).where(*conditions)
    session.execute(stmt.execution_options(synchronize_session=False))
