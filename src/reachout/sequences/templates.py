"""The tokens of sequence templates (SPEC §9): `{{first_name}}` or `{{first_name|there}}`.

Plain substitution, not a template engine: a template can reach the values it is given and
nothing else, and never runs code. One pass, so a value that itself reads `{{company}}` is
inserted as it is. Bodies are plain text: nothing is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

TOKENS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "full_name",
    "company",
    "title",
    "sender_first_name",
    "sender_name",
    "project_name",
)
_KNOWN = frozenset(TOKENS)
# A token, or an opening "{{" that no token starts at: that one is malformed.
_PIECE = re.compile(r"\{\{(?P<body>[^{}]*)\}\}|\{\{")


class TemplateError(ValueError):
    """An unknown token or an unclosed `{{`, found when a template is saved."""


class MissingValue(Exception):
    """A token with no value for this candidate and no fallback: the send waits, never blank."""

    def __init__(self, token: str) -> None:
        super().__init__(f"{{{{{token}}}}} has no value for this candidate and no fallback")
        self.token = token


def _split(body: str) -> tuple[str, str | None]:
    """A token's name and its fallback (None without a `|`), whitespace around each dropped."""
    name, bar, fallback = body.partition("|")
    return name.strip(), fallback.strip() if bar else None


def _problems(template: str) -> tuple[list[str], list[int]]:
    unknown: list[str] = []
    unclosed: list[int] = []
    for match in _PIECE.finditer(template):
        body = match["body"]
        if body is None:
            unclosed.append(match.start())
            continue
        name, _ = _split(body)
        if name not in _KNOWN and name not in unknown:
            unknown.append(name)
    return unknown, unclosed


def check(template: str) -> None:
    """TemplateError naming every unknown token and every `{{` that is not closed."""
    unknown, unclosed = _problems(template)
    messages = []
    if unknown:
        listed = ", ".join(f"{{{{{name}}}}}" for name in unknown)
        choices = ", ".join(f"{{{{{name}}}}}" for name in TOKENS)
        plural = "s" if len(unknown) > 1 else ""
        messages.append(f"unknown token{plural} {listed} (use one of: {choices})")
    for at in unclosed:
        messages.append(f'"{{{{" at character {at + 1} has no closing "}}}}"')
    if messages:
        raise TemplateError("; ".join(messages))


def render(template: str, values: Mapping[str, str | None]) -> str:
    """The template with each token replaced by its value, or its fallback when the value is
    missing or blank; MissingValue when there is neither."""
    check(template)

    def substitute(match: re.Match[str]) -> str:
        name, fallback = _split(match["body"])
        value = values.get(name)
        if value is not None and value.strip():
            return value
        if fallback is None:
            raise MissingValue(name)
        return fallback

    return _PIECE.sub(substitute, template)


def names(full_name: str) -> tuple[str, str | None]:
    """First name and the rest: "Ada King Lovelace" -> ("Ada", "King Lovelace")."""
    parts = full_name.split(None, 1)
    if not parts:
        return "", None
    return parts[0], parts[1].strip() if len(parts) > 1 else None
