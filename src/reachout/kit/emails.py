"""Email addresses checked and normalized as pydantic's `EmailStr` does (`email_validator`,
no deliverability check), fast enough for files of a hundred thousand of them.

`email_validator` spends most of its time on the domain (IDNA rules, special-use names). An
address whose local part is a plain ASCII dot-atom is accepted and normalized by it exactly as
`local@<its normalized domain>`, so the domain's verdict is asked once per distinct domain and
kept; anything else goes through `email_validator` whole.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

# RFC 5322 dot-atom text, ASCII only; the domain is any text without @ (checked by the library).
_PLAIN = re.compile(
    r"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)@([^@\s]+)"
)
LOCAL_MAX = 64
ADDRESS_MAX = 254


class NotAnEmail(ValueError):
    pass


@lru_cache(maxsize=65_536)
def _domain(domain: str) -> str | None:
    """The normalized domain, or None when `email_validator` refuses it."""
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def normalized_email(address: str) -> str:
    """The address as `EmailStr` stores it; NotAnEmail when it is not one."""
    plain = _PLAIN.fullmatch(address)
    if plain is not None and len(plain[1]) <= LOCAL_MAX:
        domain = _domain(plain[2])
        if domain is not None:
            normalized = f"{plain[1]}@{domain}"
            if len(normalized) <= ADDRESS_MAX:
                return normalized
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise NotAnEmail(str(exc)) from None
