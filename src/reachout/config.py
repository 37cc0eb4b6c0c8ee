"""Settings, read from `REACHOUT_*` environment variables."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REACHOUT_", extra="ignore")

    database_url: str = "sqlite:///./reachout.db"
    # Signs session cookies. Unset: one is generated on first run and stored in the database,
    # so that every server process (on any host) shares it.
    secret_key: str | None = None
    # Connections per server process (PostgreSQL).
    pool_size: int = Field(default=10, ge=1)
    # A PostgreSQL streaming replica of the database (optional): Outreach Stats and exports
    # read from it, everything else from the primary. Unset, or not answering: the primary.
    read_database_url: str | None = None
    # API requests a server process works on at once, each in a thread of its own (the others
    # wait their turn, without a connection). Python runs one thread at a time: more threads
    # than the database round trips can overlap only contend for the interpreter lock, and
    # lengthen the slowest requests' latency. Two let one request's Python run while another
    # waits on the database. At most pool_size.
    api_threads: int = Field(default=2, ge=1)
    # How long a SQLite writer waits for the lock held by another writer.
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    bulk_max_candidates: int = Field(default=50_000, ge=1)
    # The largest request body a server process reads, in bytes; a larger one is answered 413
    # before it is parsed. 10 MB holds the largest bulk request (50,000 ids) twenty times over.
    max_request_bytes: int = Field(default=10_000_000, ge=1)
    # The largest file an import reads (CSV of candidates or of history), in bytes: 100,000
    # candidates with every field filled are about 20 MB.
    max_import_bytes: int = Field(default=50_000_000, ge=1)
    # Where sequences send mail (SPEC §9): smtp://[user:password@]host:port (plain;
    # ?starttls=true upgrades it) or smtps://... (implicit TLS). Unset: no email is sent, and
    # the Sequences page says so; manual stages still become tasks.
    smtp_url: str | None = None
    # Seconds an SMTP conversation may wait on the server; a worker stops within this (and
    # the polling interval) of SIGTERM.
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    # `reachout serve` sets it (unless --no-worker): the app runs a sequences worker in a
    # thread of its process, so the one-command default sends mail.
    run_worker: bool = False
    # How often an idle worker looks for due sends: a due email leaves within this.
    worker_poll_seconds: float = Field(default=2.0, gt=0)
    # How often workers read each connected mailbox for replies (SPEC §10).
    mailbox_poll_seconds: float = Field(default=60.0, gt=0)
    # Each request's line on stdout: JSON (one object a line, for a log shipper) or text.
    log_format: Literal["json", "text"] = "json"
    # GET /metrics (Prometheus) answers only a caller sending this as a bearer token; unset,
    # it is not served at all.
    metrics_token: str | None = None
    # The reverse proxies in front of the server (IPs or CIDR networks, comma-separated): only
    # a request that comes from one of them has its X-Forwarded-Proto and X-Forwarded-For
    # believed (cookies then `Secure`, the client's own address for the sign-in limit). Empty:
    # nobody's, since any client can send those headers.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _trusted_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list | tuple):
            return value
        try:
            # Networks, so that a typo is an error here rather than an entry matching nothing.
            return tuple(str(ipaddress.ip_network(entry, strict=False)) for entry in value)
        except ValueError as error:
            raise ValueError(f"expected IP addresses or networks: {error}") from None

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("must look like smtp://[user:password@]host:port or smtps://...")
        try:
            parts.port  # noqa: B018 (reading it checks it)
        except ValueError as error:
            raise ValueError(str(error)) from None
        return value

    @field_validator("read_database_url")
    @classmethod
    def _read_database_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("postgresql://", "postgresql+psycopg://")):
            raise ValueError("must be a PostgreSQL URL (a streaming replica of the database)")
        return value


# A signed-in web session ends this long after sign-in, however much it is used (its cookie's
# max-age too).
SESSION_LIFETIME = timedelta(days=14)
