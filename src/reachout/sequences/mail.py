"""Delivery over SMTP (SPEC §9): the standard library's `smtplib` and `email`.

`REACHOUT_SMTP_URL` is `smtp://[user:password@]host:port` (plain, `?starttls=true` upgrades it)
or `smtps://...` (implicit TLS). A `Mailer` keeps its connection open between sends and opens
it again when the server closed it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from enum import StrEnum
from urllib.parse import parse_qs, unquote, urlsplit

from reachout.kit import time as clock


class SmtpUrlError(ValueError):
    pass


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 10.0) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise SmtpUrlError(
                f"REACHOUT_SMTP_URL must start smtp:// or smtps://, not {parts.scheme}://"
            )
        if not parts.hostname:
            raise SmtpUrlError("REACHOUT_SMTP_URL names no host")
        query = parse_qs(parts.query)
        starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 25)
        except ValueError as error:
            raise SmtpUrlError(f"REACHOUT_SMTP_URL: {error}") from None
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=parts.scheme == "smtps",
            starttls=starttls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=timeout,
        )


class Outcome(StrEnum):
    sent = "sent"
    # Not accepted this time (a 4xx, or no connection): try again later.
    temporary = "temporary"
    # Refused for good (a 5xx): the enrollment fails.
    permanent = "permanent"
    # The conversation broke after the message may have been accepted: never sent again
    # blindly.
    unknown = "unknown"


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    detail: str | None = None


@dataclass(frozen=True)
class Letter:
    from_name: str
    from_address: str
    to_address: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str | None = None
    references: str | None = None

    def message(self) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = formataddr((self.from_name, self.from_address))
        msg["To"] = self.to_address
        msg["Subject"] = self.subject
        msg["Date"] = format_datetime(clock.now())
        msg["Message-ID"] = self.message_id
        if self.in_reply_to:
            msg["In-Reply-To"] = self.in_reply_to
        if self.references:
            msg["References"] = self.references
        msg.set_content(self.body)
        return msg


class Mailer:
    """One SMTP connection, kept between sends."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        smtp: smtplib.SMTP
        if c.implicit_tls:
            smtp = smtplib.SMTP_SSL(
                c.host, c.port, timeout=c.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            if c.starttls:
                smtp.starttls(context=ssl.create_default_context())
        if c.username:
            smtp.login(c.username, c.password or "")
        return smtp

    def send(self, letter: Letter) -> Delivery:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            else:
                try:
                    self._smtp.noop()
                except (smtplib.SMTPException, OSError):
                    self.close()
                    self._smtp = self._connect()
        except smtplib.SMTPResponseException as error:
            self.close()
            return _refused(error.smtp_code, error.smtp_error)
        except (smtplib.SMTPException, OSError) as error:
            # Nothing was handed over: it can be tried again.
            self.close()
            return Delivery(Outcome.temporary, f"cannot reach the SMTP server: {error}")
        return self._hand_over(self._smtp, letter)

    def _hand_over(self, smtp: smtplib.SMTP, letter: Letter) -> Delivery:
        try:
            refused = smtp.send_message(letter.message())
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            return _refused(code, text)
        except smtplib.SMTPSenderRefused as error:
            return _refused(error.smtp_code, error.smtp_error)
        except smtplib.SMTPDataError as error:
            return _refused(error.smtp_code, error.smtp_error)
        except (smtplib.SMTPException, OSError) as error:
            # The connection broke mid-conversation: the server may have the message.
            self.close()
            return Delivery(Outcome.unknown, f"the SMTP conversation broke off: {error}")
        if refused:
            code, text = next(iter(refused.values()))
            return _refused(code, text)
        return Delivery(Outcome.sent)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def _refused(code: int, text: bytes | str) -> Delivery:
    message = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    detail = f"SMTP {code} {message}".strip()
    if 400 <= code < 500:
        return Delivery(Outcome.temporary, detail)
    return Delivery(Outcome.permanent, detail)
