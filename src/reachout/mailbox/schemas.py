"""What the mailbox API takes and answers (SPEC §10)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from reachout.kit.types import StrictInt, no_nul


class Tls(StrEnum):
    tls = "tls"
    starttls = "starttls"
    none = "none"


class MailboxStatus(StrEnum):
    pending = "pending"
    ok = "ok"
    error = "error"


Host = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=r"^[^\s/@]+$"),
    AfterValidator(no_nul),
]


class MailboxUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: Host
    port: StrictInt = Field(ge=1, le=65535)
    tls: Tls = Tls.tls
    username: Annotated[
        str, StringConstraints(min_length=1, max_length=320), AfterValidator(no_nul)
    ]
    password: (
        Annotated[str, StringConstraints(min_length=1, max_length=1000), AfterValidator(no_nul)]
        | None
    ) = Field(
        default=None,
        description="An app password; stored encrypted, never shown again. Left out on an "
        "update of the same server, account and security, the stored one is kept",
    )


class MailboxRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    host: str
    port: int
    tls: Tls
    username: str
    status: MailboxStatus
    last_error: str | None
    last_polled_at: datetime | None
    connected_at: datetime


class MailboxTest(BaseModel):
    ok: bool
    detail: str
