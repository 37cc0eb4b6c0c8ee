from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reachout.mailbox.messages import Kind, parse
from tests.mailbox import samples


def make_message(body: str = "Sounds good.", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Jane Doe <jane@example.org>")
    msg["To"] = "sam@reachout.example"
    msg["Subject"] = headers.pop("Subject", "Re: Staff engineer role")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return bytes(msg)


# --- real clients ------------------------------------------------------------------------------


def test_gmail_reply_is_a_message_with_its_own_words_only() -> None:
    incoming = parse(samples.GMAIL_REPLY)
    assert incoming.kind is Kind.message
    assert incoming.message_id == "<CAJx9Lk2v=QpL3mN_8sd-Wn7u1s2Xj@mail.gmail.com>"
    assert incoming.in_reply_to == [samples.SENT_ID]
    assert incoming.references == [samples.SENT_ID]
    assert incoming.sender == "jane.doe@gmail.com"
    assert incoming.date == datetime(2025, 3, 4, 11, 40, 1, tzinfo=UTC)
    assert incoming.subject == "Re: Staff engineer role at Acme"
    assert incoming.text == (
        "Hi Sam,\n\nThanks for reaching out \u2014 this sounds interesting. "
        "I'm free on Thursday afternoon if you want to talk.\n\nJane"
    )
    assert incoming.bounced_recipients == incoming.bounced_message_ids == []


def test_outlook_reply_is_cut_at_the_from_sent_block() -> None:
    incoming = parse(samples.OUTLOOK_REPLY)
    assert incoming.kind is Kind.message
    assert incoming.sender == "marek.kowalski@contoso.example"
    assert incoming.in_reply_to == [samples.SENT_ID]
    assert incoming.text == (
        "Hello Sam,\n\nThank you, but I am happy where I am and not looking to move this year."
        "\n\nRegards,\nMarek"
    )


def test_postfix_dsn_is_a_bounce_of_the_failed_recipient_only() -> None:
    incoming = parse(samples.POSTFIX_DSN)
    assert incoming.kind is Kind.bounce
    assert incoming.bounced_recipients == ["jane.doe@example.org"]
    assert incoming.bounced_message_ids == [samples.SENT_ID]
    assert incoming.sender == "mailer-daemon@mail.reachout.example"


def test_dsn_with_auto_submitted_is_still_a_bounce() -> None:
    incoming = parse(samples.EXIM_DSN)
    assert incoming.kind is Kind.bounce
    assert incoming.bounced_recipients == ["old.address@example.net"]
    # The returned headers and the report's own References name the same sent message.
    assert incoming.bounced_message_ids == ["<20250306.sam.91bc@reachout.example>"]


def test_delayed_dsn_is_not_a_bounce() -> None:
    incoming = parse(samples.DELAYED_DSN)
    assert incoming.kind is Kind.auto_reply
    assert incoming.bounced_recipients == incoming.bounced_message_ids == []


def test_exchange_out_of_office_is_an_auto_reply() -> None:
    incoming = parse(samples.EXCHANGE_OUT_OF_OFFICE)
    assert incoming.kind is Kind.auto_reply
    assert incoming.in_reply_to == [samples.SENT_ID]
    assert incoming.text == (
        "Ich bin bis 14.03. nicht im B\u00fcro. I am out of the office until 14 March."
    )


def test_html_only_message_is_read_as_text_without_the_quote() -> None:
    incoming = parse(samples.HTML_ONLY)
    assert incoming.kind is Kind.message
    assert incoming.text == "Hi Sam,\n\nLet's talk \u2014 send me the details.\n\nThanks,\nRavi"
    assert incoming.date == datetime(2025, 3, 6, 22, 30, tzinfo=UTC)


def test_latin1_message_decodes_body_and_headers() -> None:
    incoming = parse(samples.LATIN1_REPLY)
    assert incoming.subject == "R\u00e9p. : Poste d'ing\u00e9nieur"
    assert incoming.sender == "renee@exemple.fr"
    assert incoming.text == "Bonjour Sam, le poste m'int\u00e9resse beaucoup. Prenons rendez-vous."


def test_message_without_message_id() -> None:
    incoming = parse(samples.NO_MESSAGE_ID)
    assert incoming.message_id is None
    assert incoming.in_reply_to == [samples.SENT_ID]
    # A date without a zone is UTC.
    assert incoming.date == datetime(2025, 3, 7, 9, 0, tzinfo=UTC)
    assert incoming.text == "Maybe later this year."


# --- classification ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        ({"Auto_Submitted": "auto-replied"}, Kind.auto_reply),
        ({"Auto_Submitted": "auto-generated; owner-email=a@b.example"}, Kind.auto_reply),
        ({"Auto_Submitted": "no"}, Kind.message),
        ({"Auto_Submitted": "No "}, Kind.message),
        ({"X_Autoreply": "yes"}, Kind.auto_reply),
        ({"X_Autorespond": "Vacation message"}, Kind.auto_reply),
        ({"Precedence": "auto_reply"}, Kind.auto_reply),
        ({"Precedence": "bulk"}, Kind.message),
        ({"Precedence": "junk"}, Kind.message),
        ({"X_Auto_Response_Suppress": "All"}, Kind.message),
        ({}, Kind.message),
    ],
)
def test_auto_reply_headers(headers: dict[str, str], kind: Kind) -> None:
    assert parse(make_message(**headers)).kind is kind


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Out of Office: Staff engineer role", Kind.auto_reply),
        ("Automatic reply: Staff engineer role", Kind.auto_reply),
        ("AUTO: Jane Doe is out of the office (returning 10/03/2025)", Kind.auto_reply),
        ("Autoreply: Re: Staff engineer role", Kind.auto_reply),
        ("Abwesenheitsnotiz: Staff engineer role", Kind.auto_reply),
        ("Réponse automatique : Poste", Kind.auto_reply),
        ("I am out of the office", Kind.auto_reply),
        ("On vacation until Monday", Kind.auto_reply),
        ("Re: Staff engineer role [Automatic Reply]", Kind.auto_reply),
        ("Re: Staff engineer role", Kind.message),
        ("Re: Are you on vacation next week?", Kind.message),
        ("Re: Automation engineer role", Kind.message),
    ],
)
def test_out_of_office_subjects(subject: str, kind: Kind) -> None:
    assert parse(make_message(Subject=subject)).kind is kind


def test_non_delivery_report_is_machine_mail_not_a_bounce() -> None:
    raw = samples.crlf(
        "From: jane@example.org\nSubject: Read: Staff engineer role\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nYour message was read.\n"
        "--b\nContent-Type: message/disposition-notification\n\n"
        "Final-Recipient: rfc822; jane@example.org\nDisposition: manual-action/MDN-sent-manually;"
        " displayed\n--b--\n"
    )
    incoming = parse(raw)
    assert incoming.kind is Kind.auto_reply
    assert incoming.bounced_recipients == []


def test_dsn_without_action_fails_on_a_permanent_status_only() -> None:
    def report(status: str) -> bytes:
        return samples.crlf(
            "From: MAILER-DAEMON@x.example\nMIME-Version: 1.0\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
            "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x.example\n\n"
            f"Final-Recipient: rfc822; Gone@Example.com\nStatus: {status}\n--b--\n"
        )

    assert parse(report("5.1.1")).bounced_recipients == ["gone@example.com"]
    assert parse(report("4.4.7")).kind is Kind.auto_reply


# --- ids, sender, date -------------------------------------------------------------------------


def test_message_ids_are_normalized() -> None:
    raw = samples.crlf(
        "From: a@b.example\nMessage-ID:   bare-id@host.example \n"
        'In-Reply-To: <a@x.example> (Sam\'s message of "Tue")\n'
        "References: <a@x.example>\n <b@x.example>\t< c@x.example >\n\nhi\n"
    )
    incoming = parse(raw)
    assert incoming.message_id == "<bare-id@host.example>"
    assert incoming.in_reply_to == ["<a@x.example>"]
    assert incoming.references == ["<a@x.example>", "<b@x.example>", "<c@x.example>"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 4 Mar 2025 12:40:01 +0100", datetime(2025, 3, 4, 11, 40, 1, tzinfo=UTC)),
        ("4 Mar 2025 12:40 -0000", datetime(2025, 3, 4, 12, 40, tzinfo=UTC)),
        ("yesterday", None),
        ("Tue, 31 Feb 2025 12:40:01 +0100", None),
    ],
)
def test_date_is_aware_utc_or_none(value: str, expected: datetime | None) -> None:
    raw = samples.crlf(f"From: a@b.example\nDate: {value}\n\nhi\n")
    assert parse(raw).date == expected


def test_sender_without_an_address_is_none() -> None:
    assert parse(samples.crlf("From: Jane Doe\n\nhi\n")).sender is None
    assert parse(samples.crlf("Subject: no from\n\nhi\n")).sender is None


# --- the reply's own text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "history",
    [
        "-----Original Message-----\nFrom: Sam\nSent: Tuesday\n\nHi Jane",
        "________________________________\nFrom: Sam Recruiter\nSent: Tuesday\nHi Jane",
        "*From:* Sam Recruiter <sam@reachout.example>\n*Sent:* Tuesday\n*To:* Jane\n\nHi Jane",
        "Von: Sam Recruiter <sam@reachout.example>\nGesendet: Dienstag\nAn: Jane\n\nHallo",
        "On Tue, 4 Mar 2025 at 10:12, Sam <sam@reachout.example> wrote:\n> Hi Jane",
        "Le mar. 4 mars 2025 à 10:12, Sam <sam@reachout.example> a écrit :\n> Bonjour",
        "Am Di., 4. März 2025 um 10:12 Uhr schrieb Sam <sam@reachout.example>:\n> Hallo",
        "Am Di., 4. März 2025 um 10:12 Uhr schrieb Sam Recruiter\n<sam@reachout.example>:\n> Hallo",
        "-- \nJane Doe\nStaff Engineer, Example Corp\n+1 555 0100",
        "Sent from my iPhone",
    ],
)
def test_quoted_history_and_signature_are_cut(history: str) -> None:
    body = f"Yes, let's talk on Friday.\n\n{history}\n"
    assert parse(make_message(body)).text == "Yes, let's talk on Friday."


def test_interleaved_quotes_keep_the_answers() -> None:
    body = (
        "On Tue, Mar 4, 2025 at 10:12 AM Sam <sam@reachout.example> wrote:\n"
        "> Would you be open to a chat?\n\nYes.\n\n> Which days suit you?\n\nFriday."
    )
    assert parse(make_message(body)).text == "Yes.\n\nFriday."


def test_text_is_capped_at_ten_thousand_characters() -> None:
    assert parse(make_message("x" * 12_000)).text == "x" * 10_000


def test_plain_part_is_preferred_and_attachments_are_not_text() -> None:
    msg = EmailMessage()
    msg["From"] = "jane@example.org"
    msg.set_content("The plain words.")
    msg.add_alternative("<p>The HTML words.</p>", subtype="html")
    msg.add_attachment("Attached notes", filename="notes.txt")
    assert parse(bytes(msg)).text == "The plain words."


def test_unknown_charset_and_bad_encoded_words_do_not_stop_parsing() -> None:
    raw = (
        b"From: =?x-unknown?q?J=E9?= <j@example.org>\r\nSubject: =?utf-8?b?!!!?= caf\xe9\r\n"
        b"Content-Type: text/plain; charset=x-made-up\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"SGVsbG8gdGhlcmU=\r\n"
    )
    incoming = parse(raw)
    assert incoming.sender == "j@example.org"
    assert incoming.text == "Hello there"
    # The undeclared Latin-1 byte is not UTF-8: it is replaced, not a reason to fail.
    assert incoming.subject.endswith("caf\ufffd")


# --- nothing raises ----------------------------------------------------------------------------

_HEADERS = [
    "From",
    "Date",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "Precedence",
    "X-Autoreply",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    parse(raw)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(_HEADERS), st.binary(max_size=200), max_size=len(_HEADERS)),
    st.binary(max_size=500),
)
def test_parse_never_raises_on_arbitrary_header_values(
    values: dict[str, bytes], body: bytes
) -> None:
    raw = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in values.items())
    parse(raw + b"\r\n" + body)


_REPORT_FIELD = st.sampled_from(
    [b"Action", b"Status", b"Final-Recipient", b"Original-Recipient", b"Message-ID"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    *(b"message/delivery-status", b"message/rfc822", b"text/rfc822-headers"),
                    *(b"text/html", b"text/plain; charset=bogus", b"multipart/mixed"),
                ]
            ),
            st.lists(st.tuples(_REPORT_FIELD, st.binary(max_size=60)), max_size=6),
        ),
        max_size=4,
    )
)
def test_parse_never_raises_on_odd_delivery_reports(
    parts: list[tuple[bytes, list[tuple[bytes, bytes]]]],
) -> None:
    raw = b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n"
    for content_type, fields in parts:
        body = b"".join(name + b": " + value + b"\r\n" for name, value in fields)
        raw += b"--b\r\nContent-Type: " + content_type + b"\r\n\r\n" + body
    parse(raw + b"--b--\r\n")


_REAL = [
    samples.GMAIL_REPLY,
    samples.OUTLOOK_REPLY,
    samples.POSTFIX_DSN,
    samples.EXIM_DSN,
    samples.DELAYED_DSN,
    samples.EXCHANGE_OUT_OF_OFFICE,
    samples.HTML_ONLY,
    samples.LATIN1_REPLY,
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_REAL),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 8), st.binary(max_size=12)), max_size=6
    ),
)
def test_parse_never_raises_on_damaged_real_messages(
    raw: bytes, edits: list[tuple[int, int, bytes]]
) -> None:
    # Random bytes rarely get past the headers; damage to real messages reaches every part.
    damaged = bytearray(raw)
    for position, length, replacement in edits:
        start = position % max(len(damaged), 1)
        damaged[start : start + length] = replacement
    parse(bytes(damaged))
