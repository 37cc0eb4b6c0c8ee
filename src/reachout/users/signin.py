"""Signing in to the web app with email and password, with a limit on failed attempts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from reachout.errors import TooManyRequests
from reachout.kit import security
from reachout.kit.time import now
from reachout.models import SignInFailure, User
from reachout.users import repository
from reachout.users.service import EMAIL_MAX

# Failed sign-ins counted over this window. Per email, a handful stops password guessing on one
# account; per address (IP), a larger number stops one client trying many accounts.
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 50

# Verified against when the email is unknown, so that a wrong email takes as long as a wrong
# password and the answer time does not tell which accounts exist.
_DUMMY_HASH = security.hash_password("not the password of anyone")


def email_key(email: str) -> str:
    """The email as typed, as failures are counted and stored by it.

    Trimmed, lower-cased, and cut to the column's size, so that an over-long email counts
    against the same key it is stored under; a NUL (which PostgreSQL cannot store or compare)
    becomes U+FFFD, which no user's email has, so it is a failed sign-in like any other.
    """
    return email.strip().lower().replace("\x00", "\ufffd")[:EMAIL_MAX]


def check_limit(session: Session, *, email: str, ip: str) -> None:
    """Refuse (429) while this email or this address has too many recent failures."""
    since = now() - WINDOW
    by_email = repository.failures_by_email(session, email_key=email_key(email), since=since)
    if by_email >= MAX_FAILURES_PER_EMAIL or (
        repository.failures_by_ip(session, ip=ip, since=since) >= MAX_FAILURES_PER_IP
    ):
        minutes = int(WINDOW.total_seconds() // 60)
        raise TooManyRequests(
            f"too many failed sign-ins; wait {minutes} minutes and try again",
            extra={"retry_after": int(WINDOW.total_seconds())},
        )


def sign_in(session: Session, *, email: str, password: str, ip: str) -> User | None:
    """The user these credentials belong to, or None (the failure is recorded).

    Raises TooManyRequests, before checking the password, while the limit is reached: a right
    password is refused too, or guessing could go on past the limit.
    """
    check_limit(session, email=email, ip=ip)
    key = email_key(email)
    user = repository.user_by_email(session, key) if key else None
    valid = security.verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is not None and valid and user.is_active:
        repository.forget_failures(session, email_key=key)
        return user
    moment = now()
    repository.prune_failures(session, before=moment - WINDOW)
    session.add(SignInFailure(email_key=key, ip=ip[:64], failed_at=moment))
    session.flush()
    return None
