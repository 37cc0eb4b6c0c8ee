"""Reading a spreadsheet's CSV file as people make them (SPEC §7), with the standard library's
`csv` module: UTF-8 with or without a BOM, `,` `;` or tab sniffed from the header row, quoted
fields with commas and newlines, CRLF or LF.

Lines are numbered as a spreadsheet shows the file: the header is line 1 and every record after
it is one line, however many newlines its quoted fields hold; blank lines count but are not
rows. A problem with the file as a whole (not text, not UTF-8, empty, too wide) raises
`CsvFileError`, whose message says what is wrong in words a spreadsheet user can act on.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from reachout.kit.csvfile import FORMULA_STARTS

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
# At most this many columns in the header and in any row: wider is not a people list.
MAX_COLUMNS = 200

_SEPARATORS = re.compile(r"[\s_-]+")


class CsvFileError(ValueError):
    """The file as a whole cannot be read as a CSV; nothing of it was used."""


def header_key(name: str) -> str:
    """A header compared as SPEC §7 says: trimmed, case-folded, runs of spaces, `_` and `-`
    taken as one space (`E-mail_Address ` -> `e mail address`)."""
    return _SEPARATORS.sub(" ", name.strip().casefold()).strip()


def plain_cell(text: str) -> str:
    """A cell as it was before the product's CSV writer protected it: one `'` in front of a
    formula-like start is removed, so an export imported again keeps the value."""
    if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def decode(data: bytes) -> str:
    """The file's text: UTF-8, a BOM dropped; anything else is a CsvFileError naming it."""
    if not data.strip():
        raise CsvFileError("the file is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CsvFileError(
            "the file is UTF-16, not UTF-8: save it as “CSV UTF-8 (comma delimited)”"
        )
    if data.startswith(b"PK\x03\x04"):
        raise CsvFileError(
            "the file is a zip archive (an Excel workbook?), not CSV: save it as “CSV UTF-8”"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CsvFileError(
            f"the file is not UTF-8: byte 0x{data[exc.start]:02x} on line {line} "
            "(save it as “CSV UTF-8”)"
        ) from None
    if "\x00" in text:
        raise CsvFileError("the file is not text (it holds NUL characters): expected a CSV file")
    return text


def _sniff(text: str) -> str:
    """The delimiter that splits the header row into the most columns (`,` on a tie)."""
    sample = text[: 64 * 1024]
    best, best_count = ",", 0
    for delimiter in DELIMITERS:
        try:
            row = next(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), [])
        except csv.Error:  # unreadable with this delimiter: the reading will say why
            continue
        if len(row) > best_count:
            best, best_count = delimiter, len(row)
    return best


@dataclass(frozen=True, slots=True)
class Record:
    """A non-blank record and the spreadsheet line it is on."""

    line: int
    cells: list[str]


class CsvFile:
    """A decoded CSV file: its delimiter, its header and its records, read lazily."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.delimiter = _sniff(text)
        # newline="": the csv module sees a record's own line breaks (CR, LF, CRLF) as they are.
        self._stream = io.StringIO(text, newline="")
        self._reader = csv.reader(self._stream, delimiter=self.delimiter, strict=False)
        self._line = 0
        header = self._next()
        while header is not None and not any(cell.strip() for cell in header):
            header = self._next()
        if header is None:
            raise CsvFileError("the file has no header row")
        if len(header) > MAX_COLUMNS:
            raise CsvFileError(
                f"the header has {len(header):,} columns; at most {MAX_COLUMNS} are read"
            )
        self.header = [cell.strip() for cell in header]
        self.header_line = self._line

    @classmethod
    def from_bytes(cls, data: bytes) -> CsvFile:
        return cls(decode(data))

    def close(self) -> None:
        """Let go of the text (the records read so far stay valid)."""
        self._stream.close()
        self.text = ""

    @property
    def position(self) -> int:
        """How many characters of the text have been read (for a progress bar)."""
        return self._stream.tell()

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES[self.delimiter]

    def _next(self) -> list[str] | None:
        try:
            row = next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise CsvFileError(f"line {self._line + 1}: {exc}") from None
        self._line += 1
        return row

    def records(self) -> Iterator[Record]:
        """The non-blank records after the header, each with its line; a row wider than
        MAX_COLUMNS is a CsvFileError (a file of that shape is not a list of people)."""
        while (row := self._next()) is not None:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > MAX_COLUMNS:
                raise CsvFileError(
                    f"line {self._line} has {len(row):,} columns; at most {MAX_COLUMNS} are read"
                )
            yield Record(self._line, [plain_cell(cell.strip()) for cell in row])
