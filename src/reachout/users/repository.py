"""The user queries the services build on.

Every read of a team's members starts from `readable(team_id)`: its users, never another
team's. A user's API tokens and web sessions are reached through their owner's id, a sign-in
failure through the email or address it was made from. The one lookup across teams is by
email: emails are unique in the instance, and a person signs in before any team is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from reachout.kit.types import is_db_id
from reachout.models import ApiToken, SignInFailure, StoredSession, User
from reachout.models.enums import Role

# --- users -----------------------------------------------------------------------------------


def readable(team_id: int) -> Select[User]:
    """The team's users, removed ones too (their names stay on what they logged)."""
    return select(User).where(User.team_id == team_id)


def names(session: Session, *, team_id: int, user_ids: Sequence[int]) -> dict[int, str]:
    stmt = select(User.id, User.name).where(User.team_id == team_id, User.id.in_(set(user_ids)))
    return {user_id: name for user_id, name in session.execute(stmt)}


def members(team_id: int, *, active_only: bool) -> Select[User]:
    stmt = readable(team_id)
    return stmt.where(User.is_active) if active_only else stmt


def list_members(session: Session, *, team_id: int, active_only: bool) -> list[User]:
    """The team's users in id order."""
    return list(session.scalars(members(team_id, active_only=active_only).order_by(User.id)))


def get_member(session: Session, *, team_id: int, user_id: int) -> User | None:
    """The team's user with this id (removed or not), or None."""
    if not is_db_id(user_id):
        return None
    return session.scalar(readable(team_id).where(User.id == user_id))


def active_admin_ids(session: Session, *, team_id: int) -> list[int]:
    stmt = members(team_id, active_only=True).where(User.role == Role.admin.value)
    return list(session.scalars(stmt.with_only_columns(User.id)))


def user_by_email(session: Session, email: str) -> User | None:
    """The user with this (normalised) email, in any team."""
    return session.scalar(select(User).where(User.email == email))


# --- API tokens ------------------------------------------------------------------------------


def tokens_of(user_id: int) -> Select[ApiToken]:
    """The user's API tokens, revoked ones too."""
    return select(ApiToken).where(ApiToken.user_id == user_id)


def list_tokens(session: Session, *, user_id: int) -> list[ApiToken]:
    """The user's API tokens in id order."""
    return list(session.scalars(tokens_of(user_id).order_by(ApiToken.id)))


def get_token(session: Session, *, user_id: int, token_id: int) -> ApiToken | None:
    if not is_db_id(token_id):
        return None
    return session.scalar(tokens_of(user_id).where(ApiToken.id == token_id))


def revoke_tokens_of(session: Session, *, user_id: int, at: datetime) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session=False)
    )


def token_user(
    session: Session, token_hash: str
) -> Row[User, int, datetime | None, datetime | None] | None:
    """(user, token id, revoked_at, last_used_at) of the token with this hash, or None."""
    return session.execute(_token_user(), {"token_hash": token_hash}).first()


@cache
def _token_user() -> Select[User, int, datetime | None, datetime | None]:
    # Built once, as every API request runs it; the user's team comes in the same statement
    # (User.team is lazy="joined"). The token is read as columns, not loaded as an object: the
    # check needs three of them, and loading the object costs more than the query.
    return (
        select(User, ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == bindparam("token_hash"))
    )


def touch_token(session: Session, *, token_id: int, at: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))


# --- web sessions ----------------------------------------------------------------------------


def session_user(session: Session, *, secret_hash: str, at: datetime) -> User | None:
    """The user of the web session with this hash, if it is live at `at` (active or not)."""
    bound = {"secret_hash": secret_hash, "moment": at}
    return session.scalars(_session_user(), bound).first()


@cache
def _session_user() -> Select[Any]:
    # Built once, as every page runs it; the user's team comes in the same statement.
    return (
        select(User)
        .join(StoredSession, StoredSession.user_id == User.id)
        .where(
            StoredSession.secret_hash == bindparam("secret_hash"),
            StoredSession.expires_at > bindparam("moment"),
        )
    )


def delete_expired_sessions(session: Session, *, user_id: int, at: datetime) -> None:
    _delete_sessions(session, StoredSession.user_id == user_id, StoredSession.expires_at <= at)


def delete_session(session: Session, *, secret_hash: str) -> None:
    _delete_sessions(session, StoredSession.secret_hash == secret_hash)


def delete_sessions_of(session: Session, *, user_id: int, keep_hash: str | None) -> None:
    """Delete the user's web sessions but the one whose secret has `keep_hash`."""
    if keep_hash is None:
        _delete_sessions(session, StoredSession.user_id == user_id)
    else:
        _delete_sessions(
            session, StoredSession.user_id == user_id, StoredSession.secret_hash != keep_hash
        )


def _delete_sessions(session: Session, *conditions: Any) -> None:
    # No session object is loaded, so none needs synchronising.
    stmt = delete(StoredSession).where(*conditions)
    session.execute(stmt.execution_options(synchronize_session=False))


# --- sign-in failures ------------------------------------------------------------------------


def failures_by_email(session: Session, *, email_key: str, since: datetime) -> int:
    return _failures(session, SignInFailure.email_key == email_key, since)


def failures_by_ip(session: Session, *, ip: str, since: datetime) -> int:
    return _failures(session, SignInFailure.ip == ip, since)


def _failures(session: Session, condition: Any, since: datetime) -> int:
    stmt = select(func.count()).where(condition, SignInFailure.failed_at > since)
    return session.scalar(stmt) or 0


def forget_failures(session: Session, *, email_key: str) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.email_key == email_key))


def prune_failures(session: Session, *, before: datetime) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.failed_at < before))
