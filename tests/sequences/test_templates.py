"""Template tokens (SPEC §9): plain substitution in one pass, fallbacks, and refusals that name
the token."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reachout.sequences.templates import (
    TOKENS,
    MissingValue,
    TemplateError,
    check,
    names,
    render,
)

VALUES: dict[str, str | None] = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "full_name": "Ada Lovelace",
    "company": "Analytical Engines",
    "title": "Mathematician",
    "sender_first_name": "Charles",
    "sender_name": "Charles Babbage",
    "project_name": "Staff Engineer",
}


@pytest.mark.parametrize("token", TOKENS)
def test_every_token_is_replaced_by_its_value(token: str) -> None:
    assert render(f"<{{{{{token}}}}}>", VALUES) == f"<{VALUES[token]}>"


def test_a_whole_message() -> None:
    body = "Hi {{first_name}},\n{{sender_name}} here, about {{project_name}} at {{ company }}."
    assert render(body, VALUES) == (
        "Hi Ada,\nCharles Babbage here, about Staff Engineer at Analytical Engines."
    )


def test_whitespace_around_the_token_and_fallback_is_tolerated() -> None:
    assert render("{{  first_name  }}", VALUES) == "Ada"
    assert render("{{ first_name | there }}", {}) == "there"


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_the_fallback_stands_in_for_a_missing_or_blank_value(missing: str | None) -> None:
    values = {**VALUES, "company": missing}
    assert render("at {{company|your company}}.", values) == "at your company."


def test_the_fallback_is_not_used_when_there_is_a_value() -> None:
    assert render("Hi {{first_name|there}}", VALUES) == "Hi Ada"


def test_an_empty_fallback_is_an_explicit_empty_text() -> None:
    assert render("Hello{{first_name|}}!", {}) == "Hello!"


def test_a_fallback_keeps_its_inner_text_verbatim() -> None:
    assert render("{{title|a  role | or two}}", {}) == "a  role | or two"


def test_a_missing_value_without_fallback_holds_the_send() -> None:
    with pytest.raises(MissingValue) as raised:
        render("Hi {{first_name}} at {{company}}", {**VALUES, "company": " "})
    assert raised.value.token == "company"
    assert str(raised.value) == "{{company}} has no value for this candidate and no fallback"


def test_a_token_absent_from_the_values_is_missing() -> None:
    with pytest.raises(MissingValue, match=r"\{\{title\}\}"):
        render("{{title}}", {"first_name": "Ada"})


def test_an_unknown_token_is_named_with_the_choices() -> None:
    with pytest.raises(TemplateError) as raised:
        check("Hi {{nickname}}, {{first_name}}")
    message = str(raised.value)
    assert message.startswith("unknown token {{nickname}} (use one of: {{first_name}}, ")
    assert all(f"{{{{{token}}}}}" in message for token in TOKENS)


def test_every_unknown_token_is_named_once() -> None:
    with pytest.raises(TemplateError, match=r"unknown tokens \{\{a\}\}, \{\{b\}\} \("):
        check("{{a}} {{ b|x }} {{a}}")


def test_an_empty_token_is_unknown() -> None:
    with pytest.raises(TemplateError, match=r"unknown token \{\{\}\}"):
        check("Hi {{ }}")


@pytest.mark.parametrize("template", ["Hi {{first_name", "{{first_name}} {{", "{{{first_name}}}"])
def test_an_unclosed_opening_is_refused(template: str) -> None:
    with pytest.raises(TemplateError, match='has no closing "}}"'):
        check(template)


def test_render_refuses_what_check_refuses() -> None:
    with pytest.raises(TemplateError):
        render("{{nickname|friend}}", VALUES)


def test_text_that_is_not_a_token_is_kept() -> None:
    text = "a { b } c }} d {x} e"
    check(text)
    assert render(text, {}) == text


def test_a_value_is_inserted_as_it_is_never_expanded_again() -> None:
    values = {**VALUES, "company": "{{first_name}} & <Co>", "first_name": "{{company}}"}
    assert render("{{first_name}} / {{company}}", values) == "{{company}} / {{first_name}} & <Co>"


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("Ada King Lovelace", ("Ada", "King Lovelace")),
        ("Ada", ("Ada", None)),
        ("  Ada   Lovelace ", ("Ada", "Lovelace")),
        ("", ("", None)),
    ],
)
def test_names(full_name: str, expected: tuple[str, str | None]) -> None:
    assert names(full_name) == expected


# --- properties: checked templates render, or say what is missing -----------------------------

# Text with no brace cannot form a token with its neighbours.
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="{}"), max_size=8)
PAD = st.sampled_from(["", " ", "  "])
# A piece of a template: literal text (name None), or a token with its fallback (None: none).
Piece = tuple[str, str | None, str | None]
LITERAL = TEXT.map(lambda text: (text, None, None))
TOKEN = st.builds(
    lambda name, pad, fallback: (
        f"{{{{{pad}{name}{pad}{'' if fallback is None else '|' + fallback}}}}}",
        name,
        fallback,
    ),
    st.sampled_from(TOKENS),
    PAD,
    st.none() | TEXT,
)
VALUE = st.none() | st.text(max_size=6) | st.sampled_from(["{{first_name}}", "{{ company|x }}"])


def reference(pieces: list[Piece], values: dict[str, str | None]) -> str | MissingValue:
    """What a template of these pieces renders to, by the rules of SPEC §9."""
    out = []
    for text, name, fallback in pieces:
        if name is None:
            out.append(text)
            continue
        value = values.get(name)
        if value is not None and value.strip():
            out.append(value)
        elif fallback is not None:
            out.append(fallback.strip())
        else:
            return MissingValue(name)
    return "".join(out)


@given(
    pieces=st.lists(LITERAL | TOKEN, max_size=12),
    values=st.dictionaries(st.sampled_from(TOKENS), VALUE),
)
def test_render_agrees_with_the_reference(
    pieces: list[Piece], values: dict[str, str | None]
) -> None:
    template = "".join(text for text, _, _ in pieces)
    check(template)
    expected = reference(pieces, values)
    if isinstance(expected, MissingValue):
        with pytest.raises(MissingValue) as raised:
            render(template, values)
        assert raised.value.token == expected.token
    else:
        assert render(template, values) == expected


# Stray braces, alone or in pairs, as a writer's text may hold them.
NOISE = st.sampled_from(["{", "}", "}}", "{}", "{ }", "{{", "{{x}}"])


@given(
    template=st.lists(TEXT | TOKEN.map(lambda piece: piece[0]) | NOISE, max_size=12).map("".join),
    values=st.dictionaries(st.sampled_from(TOKENS), st.none() | TEXT),
)
def test_a_checked_template_renders_every_token_or_names_the_missing_one(
    template: str, values: dict[str, str | None]
) -> None:
    try:
        check(template)
    except TemplateError:
        return  # an unknown token, or an opening "{{" with no closing "}}"
    try:
        rendered = render(template, values)
    except MissingValue as missing:
        value = values.get(missing.token)
        assert value is None or not value.strip()
        return
    # Neither the values nor the fallbacks hold a brace: any "{{" left would be the template's.
    assert "{{" not in rendered
