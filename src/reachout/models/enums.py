"""The closed vocabularies of the ledger, shared by models, schemas and services."""

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    member = "member"


class Kind(StrEnum):
    outreach = "outreach"
    reply = "reply"


class Channel(StrEnum):
    email = "email"
    inmail = "inmail"
    text = "text"
    call = "call"


class Designation(StrEnum):
    initial = "initial"
    follow_up = "follow_up"


class DesignationChoice(StrEnum):
    """What a user may ask for: a designation, or `auto` to let the history decide."""

    initial = "initial"
    follow_up = "follow_up"
    auto = "auto"


class DesignationMode(StrEnum):
    auto = "auto"
    explicit = "explicit"


class ReplyStatus(StrEnum):
    interested = "interested"
    not_interested = "not_interested"
    later = "later"


class Source(StrEnum):
    manual = "manual"
    sequence = "sequence"
    import_ = "import"
    mailbox = "mailbox"
