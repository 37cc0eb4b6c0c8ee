from __future__ import annotations

import pytest

from reachout.mailbox.suggest import suggest
from tests.mailbox.measure import accuracy, confusion, run


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("I'm interested.", "interested"),
        ("I'm not interested.", "not_interested"),
        ("Not really interested, thanks.", "not_interested"),
        ("I wouldn't be open to hearing more.", "not_interested"),
        ("Don't check back with me.", "not_interested"),
        ("I'm no longer looking.", "not_interested"),
        ("I'm not looking to move.", "not_interested"),
        ("I'm not looking right now.", "not_interested"),
        ("Now isn't a good time, but check back in a few months.", "later"),
    ],
)
def test_negation(text: str, status: str) -> None:
    assert suggest(text).status == status


def test_not_now_with_a_later_cue_is_later() -> None:
    assert suggest("Not right now, but reach out in a few months.").status == "later"
    assert suggest("I'm happy where I am for now, ask me again next year.").status == "later"
    assert suggest("I'm happy where I am.").status == "not_interested"


def test_explicit_no_beats_an_interested_cue() -> None:
    assert suggest("Sounds interesting, but I'm not interested in moving.").status == (
        "not_interested"
    )
    assert suggest("The role sounds great. Please remove me from your list.").status == (
        "not_interested"
    )


def test_a_no_taken_back_by_but_loses_to_interest() -> None:
    text = "I'm not actively looking, but I'd love to hear more."
    assert suggest(text).status == "interested"


def test_a_later_time_defers_interest() -> None:
    assert suggest("Happy to chat in the new year.").status == "later"


def test_no_cue_is_no_suggestion() -> None:
    assert suggest("Who gave you my address?").status is None
    assert suggest("").status is None
    assert suggest("").words == ()


def test_words_are_the_deciding_phrases_as_written() -> None:
    suggestion = suggest("Timing isn\u2019t right for me. Can you check back next quarter?")
    assert suggestion.status == "later"
    assert suggestion.words == ("Timing isn\u2019t", "check back", "next quarter")


def test_pass_along_is_not_a_pass() -> None:
    assert suggest("I'll pass this on to a colleague.").status is None
    assert suggest("I'll pass, thanks.").status == "not_interested"


def test_labelled_replies_accuracy() -> None:
    # Measured 92.8% (116 of 125) with `python -m tests.mailbox.measure`; the margin lets a rule
    # change trade one reply for another, not lose several.
    assert accuracy(run()) >= 0.90


def test_labelled_replies_never_swap_yes_and_no() -> None:
    # Measured 0 each way: a yes read as a no (or the reverse) is the costly mistake, so none.
    counts = confusion(run())
    assert counts[("interested", "not_interested")] == 0
    assert counts[("not_interested", "interested")] == 0
