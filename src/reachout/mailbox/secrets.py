"""Mailbox passwords, encrypted at rest with the instance's secret (SPEC §10).

The key is derived from the instance secret (`REACHOUT_SECRET_KEY`, or the one generated on
first start and stored in the database) with HKDF, and the password is a Fernet token
(`cryptography`): authenticated encryption, so a changed or foreign token is refused rather
than decrypted to garbage. Set `REACHOUT_SECRET_KEY` to keep the key out of the database too.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from reachout.config import Settings
from reachout.instance import ensure_secret_key

_INFO = b"reachout mailbox passwords v1"


class SecretError(Exception):
    """The stored password cannot be read with this instance's secret."""


def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(session: Session, settings: Settings, password: str) -> str:
    return _fernet(ensure_secret_key(session, settings)).encrypt(password.encode()).decode()


def decrypt(session: Session, settings: Settings, token: str) -> str:
    try:
        return _fernet(ensure_secret_key(session, settings)).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretError(
            "the mailbox password was stored under another instance secret: enter it again"
        ) from None
