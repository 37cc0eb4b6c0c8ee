"""What a raw message from the mailbox is: a bounce, an auto-reply or a message (SPEC §10).

Pure: no database, no network. Mail is written by every kind of software, so nothing here raises on
malformed input; it reads what is there. Headers are read from their raw source and decoded here,
since policy.default's header classes have raised on odd values.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from enum import StrEnum

from reachout.mailbox.bodytext import html_to_text, own_text


class Kind(StrEnum):
    bounce = "bounce"
    auto_reply = "auto_reply"
    message = "message"


@dataclass(frozen=True)
class Incoming:
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    sender: str | None
    date: datetime | None
    subject: str
    kind: Kind
    text: str
    bounced_recipients: list[str]
    bounced_message_ids: list[str]


def parse(raw: bytes) -> Incoming:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    kind, recipients, returned_ids = _classify(msg)
    in_reply_to = message_ids(header(msg, "In-Reply-To"))
    references = message_ids(header(msg, "References"))
    return Incoming(
        message_id=_message_id(header(msg, "Message-ID")),
        in_reply_to=in_reply_to,
        references=references,
        sender=_sender(header(msg, "From")),
        date=_date(header(msg, "Date")),
        subject=decoded_header(msg, "Subject"),
        kind=kind,
        text=own_text(body_text(msg)),
        bounced_recipients=recipients,
        bounced_message_ids=_unique([*returned_ids, *in_reply_to, *references])
        if kind is Kind.bounce
        else [],
    )


# --- headers -------------------------------------------------------------------------------------


def _clean(value: str) -> str:
    """Undo the parser's surrogate escapes (undeclared 8-bit bytes), as UTF-8 where it is."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return value.encode("utf-8", "replace").decode("utf-8")


def header(msg: Message, name: str) -> str:
    """The first `name` header's raw value, unfolded ("" when missing)."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return _clean(re.sub(r"\r?\n(?=[ \t])", "", str(value))).replace("\x00", "").strip()
    return ""


def decoded_header(msg: Message, name: str) -> str:
    """A header with its RFC 2047 encoded words decoded, on one line."""
    # Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
    value = re.sub(r"(\?=)\s+(?==\?)", r"\1", header(msg, name))
    value = _ENCODED_WORD.sub(_decode_word, value)
    return re.sub(r"\s+", " ", value).replace("\x00", "").strip()


_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[qQbB]\?[^?\s]*\?=")


def _decode_word(match: re.Match[str]) -> str:
    # email.header.decode_header escapes non-ASCII text around the words, so each word alone.
    try:
        [(payload, charset)] = email.header.decode_header(match.group(0))
    except Exception:  # a malformed word: keep it as written
        return match.group(0)
    if isinstance(payload, str):
        return payload
    data = bytes(payload)
    try:
        return data.decode(charset or "ascii", "replace")
    except LookupError:  # an unknown charset
        return data.decode("utf-8", "replace")


def message_ids(value: str) -> list[str]:
    return _unique(f"<{found}>" for found in re.findall(r"<\s*([^<>\s]+)\s*>", value))


def _message_id(value: str) -> str | None:
    found = message_ids(value)
    if found:
        return found[0]
    # Some software leaves out the angle brackets; a single bare token is still an id.
    bare = value.strip()
    return f"<{bare}>" if bare and not re.search(r"[\s<>]", bare) else None


def _sender(value: str) -> str | None:
    try:
        addresses = email.utils.getaddresses([value])
    except Exception:
        return None
    for _, address in addresses:
        if "@" in address:
            return address.strip().lower()
    return None


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # A date without a zone ("-0000") is taken as UTC, as RFC 5322 says it is.
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))


# --- body ----------------------------------------------------------------------------------------


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def _decoded_payload(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        return ""
    if not isinstance(payload, bytes):
        return ""
    try:
        charset = part.get_content_charset() or "utf-8"
    except Exception:
        charset = "utf-8"
    try:
        return payload.decode(charset, "replace")
    except (LookupError, ValueError):  # an unknown or misspelled charset
        return payload.decode("utf-8", "replace")


def _text_parts(part: Message) -> Iterator[Message]:
    """The text parts that are the message's own, depth first; attached messages stay closed."""
    if _content_type(part).startswith("message/"):
        return
    if part.is_multipart():
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, Message):
                yield from _text_parts(sub)
        return
    try:
        attached = part.get_content_disposition() == "attachment"
    except Exception:
        attached = False
    if not attached and _content_type(part) in ("text/plain", "text/html"):
        yield part


def body_text(msg: Message) -> str:
    """The first text/plain part, else the first text/html one converted to text."""
    parts = list(_text_parts(msg))
    for part in parts:
        if _content_type(part) == "text/plain":
            return _decoded_payload(part)
    for part in parts:
        return html_to_text(_decoded_payload(part))
    return ""


# --- classification ------------------------------------------------------------------------------

_I = re.IGNORECASE
# Out-of-office subjects: the clearest phrases anywhere, the rest only at the start.
_AUTO_SUBJECT_ANYWHERE = re.compile(
    r"\b(automatic reply|auto-?reply|autoreply|out of (the )?office (reply|auto)|abwesenheitsnotiz"
    r"|automatische antwort|réponse automatique|i am out of the office|respuesta automática"
    r"|risposta automatica|automatisch antwoord)\b",
    _I,
)
_AUTO_SUBJECT_START = re.compile(
    r"^\s*[\[(]?\s*(out of (the )?office|auto\s*:|on vacation|ooo\b|away from (the )?office"
    r"|abwesend|absent)",
    _I,
)


def _classify(msg: Message) -> tuple[Kind, list[str], list[str]]:
    """The kind, and for a bounce its failed recipients and the returned message's ids."""
    if _content_type(msg) == "multipart/report":
        report = _delivery_report(msg)
        if report is not None:
            failed, returned_ids = report
            if failed:
                return Kind.bounce, failed, returned_ids
        # A delay warning, a success notice or a read receipt is machine mail, not a reply.
        return Kind.auto_reply, [], []
    if _is_auto_reply(msg):
        return Kind.auto_reply, [], []
    return Kind.message, [], []


def _is_auto_reply(msg: Message) -> bool:
    auto_submitted = header(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    for name in ("X-Autoreply", "X-Autorespond"):
        value = header(msg, name).lower()
        if value and value not in ("no", "false", "0"):
            return True
    # bulk and junk are list mail as often as auto-replies: only auto_reply says so.
    if header(msg, "Precedence").lower() == "auto_reply":
        return True
    subject = decoded_header(msg, "Subject")
    return bool(_AUTO_SUBJECT_ANYWHERE.search(subject) or _AUTO_SUBJECT_START.match(subject))


def _delivery_report(msg: Message) -> tuple[list[str], list[str]] | None:
    """Failed recipients and the returned message's ids, or None if this is no DSN."""
    try:
        report_type = str(msg.get_param("report-type", "") or "").lower()
    except Exception:
        report_type = ""
    if report_type != "delivery-status":
        return None
    failed: list[str] = []
    returned: list[str] = []
    payload = msg.get_payload()
    for part in payload if isinstance(payload, list) else []:
        if not isinstance(part, Message):
            continue
        content_type = _content_type(part)
        if content_type == "message/delivery-status":
            failed.extend(_failed_recipients(_status_blocks(part)))
        elif content_type in ("message/rfc822", "text/rfc822-headers"):
            returned.extend(_returned_ids(part))
    return _unique(failed), _unique(returned)


def _status_blocks(part: Message) -> list[list[tuple[str, str]]]:
    """The per-message and per-recipient field blocks of a message/delivery-status part."""
    payload = part.get_payload()
    if isinstance(payload, list):  # what the parser makes of a well-formed part
        return [
            [(k.lower(), _clean(str(v))) for k, v in block.raw_items()]
            for block in payload
            if isinstance(block, Message)
        ]
    text = _decoded_payload(part)
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        unfolded = re.sub(r"\n[ \t]+", " ", chunk)
        fields = re.findall(r"^([\w-]+)\s*:\s*(.*)$", unfolded, re.MULTILINE)
        blocks.append([(k.lower(), v) for k, v in fields])
    return blocks


def _failed_recipients(blocks: list[list[tuple[str, str]]]) -> Iterator[str]:
    for block in blocks:
        fields = dict(block)
        action = fields.get("action", "").strip().lower()
        status = fields.get("status", "").strip()
        # Action is required; a report without one failed only if its status is permanent.
        if action.startswith("failed") or (not action and status.startswith("5")):
            for name in ("final-recipient", "original-recipient"):
                address = fields.get(name, "").rpartition(";")[2].strip().strip("<>").lower()
                if "@" in address:
                    yield address


def _returned_ids(part: Message) -> list[str]:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        returned = payload[0]
    else:  # text/rfc822-headers, or a message/rfc822 the parser left as text
        text = _decoded_payload(part) or (payload if isinstance(payload, str) else "")
        returned = email.message_from_string(text, policy=email.policy.default)
    found = _message_id(header(returned, "Message-ID"))
    return [found] if found else []
