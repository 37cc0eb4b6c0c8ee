"""A reply's own words: HTML to plain text, and the quoted history cut away."""

from __future__ import annotations

import re
from html.parser import HTMLParser

MAX_TEXT = 10_000

_BLOCK_TAGS = frozenset(
    {"address", "article", "br", "div", "dd", "dl", "dt", "footer", "header", "hr", "li", "ol"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "p", "pre", "section", "table", "td", "th", "tr", "ul"}
)
# Content that is never the reply's words. A <blockquote> is the history a mail client quoted.
_SKIPPED_TAGS = frozenset(["blockquote", "head", "script", "style", "template", "title"])
_VOID_TAGS = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"])


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping.append(tag)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._skipping:
            # Unclosed inner tags must not keep the rest of the document hidden.
            while self._skipping and self._skipping.pop() != tag:
                pass
        elif tag in _BLOCK_TAGS and tag not in _VOID_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            # HTML is not whitespace-sensitive: line breaks come from tags only.
            self.chunks.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient, but keep what was read before any surprise
        pass
    lines = (line.strip() for line in "".join(parser.chunks).split("\n"))
    return "\n".join(lines)


_I = re.IGNORECASE
# Lines that start the quoted history whatever follows them.
_SEPARATORS = [
    re.compile(r"^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine)\s*-", _I),
    re.compile(r"^-{2,}\s*forwarded message\s*-{2,}", _I),
    re.compile(r"^_{10,}$"),  # Outlook's rule above the From:/Sent: block
]
_HEADER_FROM = re.compile(r"^\*?(from|von|de|van|da)\s?:", _I)
_HEADER_SENT = re.compile(r"^\*?(sent|date|gesendet|datum|envoyé|verzonden|inviato)\s?:", _I)
# "On <date>, <name> wrote:" and its translations; the attribution may wrap onto the next lines.
_ATTRIBUTION = re.compile(
    r"^(on\b.*\bwrote|le\b.*\ba écrit|am\b.*\bschrieb\b.*|el\b.*\bescribió"
    r"|op\b.*\bschreef\b.*)\s*:$",
    _I,
)
_ANY_ATTRIBUTION = re.compile(r"\b(wrote|a écrit|schrieb|escribió|schreef)\b.*:$", _I)
_ATTRIBUTION_START = re.compile(r"^(on|le|am|el|op)\b", _I)
_MOBILE_FOOTER = re.compile(r"^(sent from my \w+|get outlook for \w+)", _I)


def _is_quote(line: str) -> bool:
    return line.lstrip().startswith(">")


def _attribution_length(lines: list[str], i: int) -> int:
    """How many lines the attribution starting at line i takes (0: none starts there)."""
    if not _ATTRIBUTION_START.match(lines[i]):
        # "Jane <jane@example.com> wrote:" counts only right above quoted lines.
        if _ANY_ATTRIBUTION.search(lines[i]) and _next_is_quote(lines, i + 1):
            return 1
        return 0
    joined = ""
    for n in range(3):
        if i + n >= len(lines) or (n and not lines[i + n].strip()):
            break
        joined = f"{joined} {lines[i + n].strip()}".strip()
        if len(joined) > 300:
            break
        if _ATTRIBUTION.match(joined):
            return n + 1
    return 0


def _next_is_quote(lines: list[str], i: int) -> bool:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i < len(lines) and _is_quote(lines[i])


def _is_header_block(lines: list[str], i: int) -> bool:
    if not _HEADER_FROM.match(lines[i].strip()):
        return False
    return any(_HEADER_SENT.match(line.strip()) for line in lines[i + 1 : i + 5])


def _own_lines(lines: list[str]) -> list[str]:
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line == "--" or any(p.match(line) for p in _SEPARATORS) or _is_header_block(lines, i):
            break
        if length := _attribution_length(lines, i):
            # Someone replying below the quote wrote nothing above it: the words come after.
            if any(kept) or not _next_is_quote(lines, i + length):
                break
            i += length
            continue
        if not _is_quote(line) and not _MOBILE_FOOTER.match(line):
            kept.append(line)
        i += 1
    return kept


def own_text(text: str) -> str:
    """The reply's own text: quoted lines, the quoted history and the signature cut away."""
    # NUL cannot be stored in PostgreSQL's text; it has no place in a reply.
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    kept = "\n".join(_own_lines(text.split("\n")))
    return re.sub(r"\n{3,}", "\n\n", kept).strip()[:MAX_TEXT].strip()
