"""Instants as integer microseconds, and a team's local days, fast enough for millions of rows.

Generating a million touchpoints cannot afford a `ZoneInfo` conversion and a `strftime` per
timestamp. A `ZoneClock` finds the zone's offset changes in the seeded period once, then tells
an instant's local day with a bisect; timestamps are written in the text form both databases
read (and SQLite stores: `YYYY-MM-DD HH:MM:SS.ffffff`, naive UTC, like `UTCDateTime`).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SECOND = 1_000_000
HOUR = 3600 * SECOND
DAY = 24 * HOUR
_DAY_S = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# "HH:MM:SS" of every second of a day: a lookup instead of three divisions and formats.
CLOCK_TEXT = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]


def to_micros(instant: datetime) -> int:
    """Microseconds since the Unix epoch of an aware instant (exact, no float rounding)."""
    return (instant - _EPOCH) // timedelta(microseconds=1)


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return day.toordinal() - _EPOCH_ORDINAL


class _DayTexts(dict[int, str]):
    """Day number -> `YYYY-MM-DD`, each made once."""

    def __missing__(self, day: int) -> str:
        text = date.fromordinal(_EPOCH_ORDINAL + day).isoformat()
        self[day] = text
        return text


class ZoneClock:
    """UTC offsets of one time zone between two instants (with two days' margin either side).

    `day_texts` maps day numbers (UTC or local alike) to `YYYY-MM-DD`.
    """

    def __init__(self, time_zone: str, *, start: datetime, end: datetime) -> None:
        self._zone = ZoneInfo(time_zone)
        first = int(start.timestamp()) - 2 * _DAY_S
        last = int(end.timestamp()) + 2 * _DAY_S
        self._starts = [first]
        self._offsets = [self._offset_at(first)]
        # Offsets change at most a few times a year, never twice within an hour: probe hourly,
        # then pin each change to its second.
        for probe in range(first + 3600, last + 3600, 3600):
            offset = self._offset_at(probe)
            if offset != self._offsets[-1]:
                self._starts.append(self._first_second_of(offset, probe - 3600, probe))
                self._offsets.append(offset)
        self.day_texts = _DayTexts()

    def _offset_at(self, unix_seconds: int) -> int:
        offset = datetime.fromtimestamp(unix_seconds, self._zone).utcoffset()
        assert offset is not None  # a ZoneInfo always knows its offset
        return offset // timedelta(seconds=1)

    def _first_second_of(self, offset: int, before: int, at: int) -> int:
        while at - before > 1:
            middle = (before + at) // 2
            if self._offset_at(middle) == offset:
                at = middle
            else:
                before = middle
        return at

    def offset(self, micros: int) -> int:
        """Microseconds to add to a UTC instant to get the local wall-clock time."""
        return self._offsets[bisect_right(self._starts, micros // SECOND) - 1] * SECOND

    def local_day_number(self, micros: int) -> int:
        """The local date of an instant, as days since 1970-01-01."""
        return (micros + self.offset(micros)) // DAY

    def local_day(self, micros: int) -> str:
        """The local date of an instant, `YYYY-MM-DD`."""
        return self.day_texts[self.local_day_number(micros)]

    def to_utc(self, local_day: int, micros_of_day: int) -> int:
        """The instant of a wall-clock time, taking the offset in force at noon that day (the
        right one for any time of day that no offset change precedes or follows that day)."""
        noon = local_day * DAY + DAY // 2
        offset = self.offset(noon - self.offset(noon))
        return local_day * DAY + micros_of_day - offset

    def stamp(self, micros: int) -> str:
        """A UTC instant as stored: `YYYY-MM-DD HH:MM:SS.ffffff` (naive)."""
        day, rest = divmod(micros, DAY)
        seconds, fraction = divmod(rest, SECOND)
        return f"{self.day_texts[day]} {CLOCK_TEXT[seconds]}.{fraction:06d}"
