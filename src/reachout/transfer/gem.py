"""Gem's touchpoint export format (`event_log`): its columns and vocabulary, both ways."""

from __future__ import annotations

from reachout.models.enums import Channel, Designation, ReplyStatus

COLUMNS = (
    "timestamp",
    "user_name",
    "user_email",
    "candidate_id",
    "candidate_greenhouse_id",
    "candidate_first_name",
    "candidate_last_name",
    "candidate_email",
    "event_type",
    "event_subtype",
    "event_metadata",
)

FIRST_OUTREACH = "First Outreach"
FOLLOW_UP = "Follow-up"
REPLY = "Reply"

# An outreach's designation as Gem names it, and back.
EVENT_TYPES: dict[Designation, str] = {
    Designation.initial: FIRST_OUTREACH,
    Designation.follow_up: FOLLOW_UP,
}
DESIGNATIONS = {name: designation for designation, name in EVENT_TYPES.items()}

SUBTYPES: dict[Channel, str] = {
    Channel.email: "Email",
    Channel.inmail: "Inmail",
    Channel.call: "Phone Call",
    Channel.text: "Text Message",
}
CHANNELS = {name: channel for channel, name in SUBTYPES.items()}

METADATA: dict[ReplyStatus, str] = {
    ReplyStatus.interested: "Interested",
    ReplyStatus.not_interested: "Not Interested",
    ReplyStatus.later: "Later",
}
REPLY_STATUSES = {name: status for status, name in METADATA.items()}


def split_name(name: str) -> tuple[str, str]:
    """First name (the first word) and last name (the rest), as the export writes them."""
    first, _, last = name.strip().partition(" ")
    return first, last.strip()
