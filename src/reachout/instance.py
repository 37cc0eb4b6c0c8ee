"""Settings of the whole instance that are generated once and shared through the database."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reachout.config import Settings
from reachout.models import InstanceSetting

SECRET_KEY = "secret_key"


def ensure_secret_key(session: Session, settings: Settings) -> str:
    """The key that signs session cookies: from the settings, else stored in the database.

    Storing a generated key (rather than making one per process) lets every server process, on
    any host, verify the cookies the others signed, and keeps sessions valid across restarts.
    """
    if settings.secret_key:
        return settings.secret_key
    stored = _stored(session, SECRET_KEY)
    if stored is not None:
        return stored
    value = secrets.token_urlsafe(48)
    try:
        # A savepoint, so losing the race below leaves the caller's transaction usable.
        with session.begin_nested():
            session.add(InstanceSetting(key=SECRET_KEY, value=value))
    except IntegrityError:
        # Another process stored its key between our read and our insert: use that one.
        stored = _stored(session, SECRET_KEY)
        if stored is None:  # pragma: no cover - the conflicting row cannot vanish
            raise
        return stored
    return value


def _stored(session: Session, key: str) -> str | None:
    return session.scalar(select(InstanceSetting.value).where(InstanceSetting.key == key))
