"""A real SMTP server on loopback (aiosmtpd's controller) that keeps what it receives, and a
clock the tests set. Their fixtures, `smtp` and `fake_clock`, are in tests/conftest.py: the
browser tests (tests/web) and the mailbox tests send mail too."""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Any


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: Message


@dataclass
class SmtpSink:
    """Accepts every mail, unless told to refuse the next ones with a code."""

    received: list[Received] = field(default_factory=list)
    # (code, text) answers to the next DATA commands, in order; then 250.
    refusals: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refusals:
                return self.refusals.pop(0)
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    email.message_from_bytes(envelope.original_content),
                )
            )
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def to(self, address: str) -> list[Message]:
        return [r.message for r in self.received if address in r.recipients]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Clock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at
