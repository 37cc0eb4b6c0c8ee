"""The words the pages use for the ledger's values (those of the product Reachout follows)."""

from __future__ import annotations

CHANNELS = {"inmail": "InMail", "text": "Text", "call": "Call", "email": "Email"}
DESIGNATIONS = {"initial": "First reach out", "follow_up": "Follow-up"}
# The choices of an outreach in the forms, Auto first (the default).
DESIGNATION_CHOICES = {"auto": "Auto", "initial": "First reach out", "follow_up": "Follow-up"}
REPLY_STATUSES = {
    "interested": "Interested",
    "not_interested": "Not interested",
    "later": "Follow up later",
}


def install(globals_: dict[str, object]) -> None:
    globals_.update(
        CHANNELS=CHANNELS,
        DESIGNATIONS=DESIGNATIONS,
        DESIGNATION_CHOICES=DESIGNATION_CHOICES,
        REPLY_STATUSES=REPLY_STATUSES,
    )
