"""LinkedIn profile URLs: the only kind of URL a candidate's `linkedin_url` holds.

A candidate's URL is shown as a link on every page, so only LinkedIn's own profile addresses are
accepted, and each is stored rebuilt in one spelling from its slug alone: nothing of what was
typed (scheme, host, query) reaches the link but the slug, which is letters, digits and hyphens.
The old public-profile addresses (`/pub/name/1/23/456`) are refused, not guessed at: they do not
contain the `/in/` slug, so they could not be matched with the profile's usual address.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

PROFILE_PREFIX = "https://www.linkedin.com/in/"
EXPECTED = "expected a LinkedIn profile URL (https://www.linkedin.com/in/...)"

# linkedin.com and its subdomains: www., country ones (uk., de.), mobile (m.).
_HOST = re.compile(r"(?:[a-z0-9-]+\.)*linkedin\.com")
# The usual spelling, as a profile's page and every export give it: its slug read without
# parsing the URL (what the general path below would find in it).
_USUAL = re.compile(r"(?:https?://)?(?:www\.)?linkedin\.com/in/([A-Za-z0-9_-]+)/?", re.IGNORECASE)
# Letters of any script (a slug may be written in them), digits, `_` and `-`.
_SLUG = re.compile(r"[\w-]+")


def profile_url(url: str) -> str:
    """`https://www.linkedin.com/in/<slug>` (lower-cased) for any spelling of a profile's URL.

    `http://`, `https://` or no scheme; linkedin.com or a subdomain; any case; a query, a
    fragment, trailing slashes or more path after the slug (`/in/jane-doe/details/`) are all the
    same profile. Another host or another LinkedIn page raises ValueError saying what is expected.
    """
    text = url.strip()
    usual = _USUAL.fullmatch(text)
    if usual is not None:
        return PROFILE_PREFIX + usual[1].lower()
    if "://" not in text:
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(EXPECTED) from None
    segments = [s for s in parts.path.split("/") if s]
    if (
        parts.scheme.lower() not in ("http", "https")
        or parts.username is not None
        or port not in (None, 80, 443)
        or not _HOST.fullmatch(parts.hostname or "")
        or len(segments) < 2
        or segments[0].lower() != "in"
    ):
        raise ValueError(EXPECTED)
    slug = unquote(segments[1]).lower()
    if not _SLUG.fullmatch(slug):
        raise ValueError(EXPECTED)
    return PROFILE_PREFIX + slug
