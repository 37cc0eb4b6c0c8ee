"""The fast path of `normalized_email` agrees with `email_validator` (what `EmailStr` uses) on
every address, accepted or refused."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.kit.emails import NotAnEmail, normalized_email

LOCAL = st.text(alphabet="aZ09.+-_!#'~\"()ü ", min_size=0, max_size=70)
DOMAIN = st.one_of(
    st.sampled_from(
        ["example.org", "Example.COM", "localhost", "x.test", "x.local", "bücher.de", "1.2.3.4"]
    ),
    st.text(alphabet="abcXYZ019.-_ü", min_size=0, max_size=70),
)


def _reference(address: str) -> str | None:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _ours(address: str) -> str | None:
    try:
        return normalized_email(address)
    except NotAnEmail:
        return None


@settings(max_examples=600, deadline=None)
@given(LOCAL, DOMAIN)
def test_same_verdict_and_form_as_email_validator(local: str, domain: str) -> None:
    address = f"{local}@{domain}"
    assert _ours(address) == _reference(address)


@given(st.text(max_size=80))
def test_any_text_gets_the_same_verdict(text: str) -> None:
    assert _ours(text) == _reference(text)
