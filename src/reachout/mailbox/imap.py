"""Reading an INBOX over IMAP (SPEC §10) with `imapclient`: read-only (EXAMINE, BODY.PEEK), so
no flag changes and nothing moves."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

# One round of reading fetches at most this many messages; the rest wait for the next poll.
FETCH_BATCH = 200


class MailboxUnavailable(Exception):
    """The server cannot be reached, or refuses the login: said on the Settings page."""


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    tls: str
    username: str
    password: str
    timeout: float = 20.0


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes
    arrived_at: datetime


@contextmanager
def inbox(server: Server) -> Iterator[tuple[IMAPClient, int]]:
    """A logged-in client with INBOX selected read-only, and the INBOX's UIDVALIDITY."""
    try:
        client = IMAPClient(
            server.host,
            port=server.port,
            ssl=server.tls == "tls",
            ssl_context=ssl.create_default_context() if server.tls != "none" else None,
            timeout=server.timeout,
        )
    except (OSError, IMAPClientError) as error:
        raise MailboxUnavailable(f"cannot reach {server.host}:{server.port}: {error}") from None
    try:
        if server.tls == "starttls":
            client.starttls(ssl.create_default_context())
        client.login(server.username, server.password)
        selected = client.select_folder("INBOX", readonly=True)
        yield client, int(selected[b"UIDVALIDITY"])
    except LoginError as error:
        raise MailboxUnavailable(f"the server refused the login: {_text(error)}") from None
    except (TimeoutError, OSError, IMAPClientError, ssl.SSLError) as error:
        raise MailboxUnavailable(f"{server.host}:{server.port}: {_text(error)}") from None
    finally:
        try:
            client.logout()
        except Exception:
            client.shutdown() if hasattr(client, "shutdown") else None


def _text(error: Exception) -> str:
    text = str(error)
    return text.removeprefix("b'").removesuffix("'") or type(error).__name__


def new_messages(client: IMAPClient, *, after_uid: int | None, since: datetime) -> list[Fetched]:
    """Messages with a UID above `after_uid` (all, when None) that arrived at `since` or later,
    oldest first, at most FETCH_BATCH."""
    if after_uid is None:
        uids = client.search(["SINCE", since.date()])
    else:
        uids = client.search(["UID", f"{after_uid + 1}:*"])
        # "N:*" always names the last message, even below N.
        uids = [u for u in uids if u > after_uid]
    uids = sorted(uids)[:FETCH_BATCH]
    if not uids:
        return []
    fetched = client.fetch(uids, ["BODY.PEEK[]", "INTERNALDATE"])
    out = []
    for uid in uids:
        data = fetched.get(uid)
        if data is None:
            continue
        arrived = data.get(b"INTERNALDATE")
        arrived_at = _aware(arrived) if isinstance(arrived, datetime) else since
        if arrived_at < since:
            continue
        out.append(Fetched(uid, bytes(data.get(b"BODY[]", b"")), arrived_at))
    return out


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        # imapclient gives local time without a zone when normalise_times is on.
        return value.astimezone(UTC)
    return value.astimezone(UTC)


def check(server: Server) -> str:
    """Log in and look at the INBOX: what a user's Test connection says."""
    with inbox(server) as (client, _):
        count = client.folder_status("INBOX", ["MESSAGES"]).get(b"MESSAGES", 0)
    return f"connected: INBOX holds {count} messages"
