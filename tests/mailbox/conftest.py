"""A real IMAP server on loopback for the mailbox tests: pymap (a pure-Python IMAP server from
PyPI) with its in-memory backend, one server per test, started as its own process."""

from __future__ import annotations

import imaplib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

import pytest

from tests.sequences.conftest import free_port

USER = "recruiter"
PASSWORD = "app-password-123"


@dataclass
class ImapServer:
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        pymap = shutil.which("pymap") or f"{sys.executable} -m pymap"
        self.process = subprocess.Popen(
            [
                *pymap.split(),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-tls",
                "dict",
                "--demo-user",
                USER,
                "--demo-password",
                PASSWORD,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the IMAP server did not start") from None
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def append(self, message: EmailMessage | bytes, *, at: datetime) -> None:
        """Deliver a message to the INBOX (IMAP APPEND), arriving at `at`."""
        raw = message if isinstance(message, bytes) else message.as_bytes()
        client = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            client.login(USER, PASSWORD)
            status, _ = client.append("INBOX", None, imaplib.Time2Internaldate(at), raw)
            assert status == "OK"
        finally:
            client.logout()

    def settings(self, password: str = PASSWORD) -> dict[str, object]:
        """The body of PUT /me/mailbox for this server."""
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "tls": "none",
            "username": USER,
            "password": password,
        }


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    server = ImapServer(free_port())
    server.start()
    yield server
    server.stop()
