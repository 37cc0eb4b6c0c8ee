"""One generated candidate's touchpoints: threads of outreach, replies, re-contacts, in order.

A history is planned as threads (an initial outreach, 0-4 follow-ups a few days apart, perhaps
a reply), placed months apart within the seeded period, then read in (occurred_at) order to
decide every designation as SPEC §2 rule 3 does: the seeded rows are written already resolved,
exactly as the service would have left them. Times are integer microseconds (see `clock`).

This runs once per generated touchpoint, a million times for the benchmark's data set, so it
trades some elegance for speed: weighted draws are bisects, rows are plain tuples in the order
of the touchpoint table's columns.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from reachout.demo import CHANNEL_WEIGHTS, OUTREACH_NOTES, REPLY_NOTES, STATUS_WEIGHTS
from reachout.models.enums import Designation, DesignationMode, Kind, Source
from reachout.projection.designations import auto_designation
from reachout.synthetic.clock import CLOCK_TEXT, DAY, HOUR, SECOND, ZoneClock

OUTREACH, REPLY = Kind.outreach.value, Kind.reply.value
INITIAL, FOLLOW_UP = Designation.initial.value, Designation.follow_up.value
AUTO, EXPLICIT = DesignationMode.auto.value, DesignationMode.explicit.value
MANUAL, SEQUENCE = Source.manual.value, Source.sequence.value

# The shape of the data: tuned so a thread has ~2.5 outreach touchpoints and a quarter of
# threads get a reply, as in the outreach a recruiting team logs.
FOLLOW_UP_COUNTS = [0, 1, 2, 3, 4]
FOLLOW_UP_CUM_WEIGHTS = list(accumulate([24, 30, 23, 14, 9]))
REPLY_CHANCE = 0.27
# A first outreach marked "First" by hand; a re-contact left on Auto (it then continues the
# old thread, as the rule says); a first outreach marked "Follow-up" (contact made elsewhere).
EXPLICIT_FIRST_CHANCE = 0.2
AUTO_RECONTACT_CHANCE = 0.15
EXPLICIT_FOLLOW_UP_CHANCE = 0.12
FOLLOW_UP_FIRST_CHANCE = 0.03
INBOUND_CHANCE = 0.03  # the candidate writes before anyone reached out
ANSWERED_REPLY_CHANCE = 0.25  # one more outreach after the reply (scheduling, say)
SECOND_REPLY_CHANCE = 0.12
CHANNEL_SWITCH_CHANCE = 0.3
NO_PROJECT_CHANCE = 0.08
PROJECT_OWNER_CHANCE = 0.7
ON_BEHALF_CHANCE = 0.04
LOGGED_BY_OTHER_CHANCE = 0.08
BACKDATED_CHANCE = 0.12
NOTE_CHANCE = 0.3
SEQUENCE_EMAIL_CHANCE = 0.4
WEEKEND_MOVED_CHANCE = 0.85
RECONTACT_GAP_DAYS = (45.0, 200.0)
FOLLOW_UP_GAP_DAYS = (2.0, 9.0)
WORKDAY_START, WORKDAY_HOURS = 8 * HOUR, 10 * HOUR

CHANNELS = [c.value for c in CHANNEL_WEIGHTS]
CHANNEL_CUM_WEIGHTS = list(accumulate(CHANNEL_WEIGHTS.values()))
STATUSES = [s.value if s else None for s in STATUS_WEIGHTS]
STATUS_CUM_WEIGHTS = list(accumulate(STATUS_WEIGHTS.values()))
OUTREACH_NOTE_TEXTS = {c.value: notes for c, notes in OUTREACH_NOTES.items()}
REPLY_NOTE_TEXTS = {s.value if s else None: notes for s, notes in REPLY_NOTES.items()}

# A thread's first outreach, whose designation is asked for once its place in time is known.
PENDING = "pending"
# (offset from the thread's start, kind, channel, designation asked for (None: Auto; or
#  PENDING), reply status)
Step = tuple[int, str, str, str | None, str | None]
# (occurred_at, kind, channel, designation asked for, reply status, project_id, user_id, local
#  day if known for sure)
Event = tuple[int, str, str, str | None, str | None, int | None, int, int | None]
# The values of TOUCHPOINT_COLUMNS, as the databases store them.
Row = tuple[Any, ...]
TOUCHPOINT_COLUMNS = [
    "team_id",
    "candidate_id",
    "kind",
    "channel",
    "designation",
    "designation_mode",
    "reply_status",
    "note",
    "occurred_at",
    "local_day",
    "project_id",
    "user_id",
    "on_behalf_of_user_id",
    "created_by_id",
    "created_at",
    "source",
]
CREATED_AT = TOUCHPOINT_COLUMNS.index("created_at")


@dataclass(frozen=True)
class Staff:
    """Who does the outreach: the team's users (weighted: some log more) and each project's
    owner."""

    user_ids: list[int]
    user_cum_weights: list[float]
    project_owner: dict[int, int]


@dataclass(frozen=True)
class Period:
    """The seeded local days `first_day` to `first_day + days - 1` (days since 1970-01-01).

    `end` (the UTC instant the period ends) bounds every occurred_at, `now` every created_at.
    """

    first_day: int
    days: int
    end: int
    now: int
    reengage_after_days: int | None


def _draw(rng: random.Random, values: Sequence[Any], cum_weights: Sequence[float]) -> Any:
    return values[bisect(cum_weights, rng.random() * cum_weights[-1])]


class HistoryMaker:
    def __init__(
        self, rng: random.Random, *, team_id: int, clock: ZoneClock, period: Period, staff: Staff
    ) -> None:
        self.rng = rng
        self.team_id = team_id
        self.clock = clock
        self.period = period
        self.staff = staff
        window_days = period.reengage_after_days
        self.window = None if window_days is None else window_days * DAY
        self.others = {u: [o for o in staff.user_ids if o != u] or [u] for u in staff.user_ids}
        days = range(period.first_day - 1, period.first_day + period.days + 2)
        # Planning happens on the local wall clock: a local day starts at day_starts[day] (UTC)
        # with the offset in force at noon, which is right for all working hours unless the
        # offset changes during them (irregular: then the local day is computed exactly).
        self.day_starts = {day: clock.to_utc(day, 0) for day in days}
        self.irregular_days = {
            day
            for day in days
            if len({clock.offset(clock.to_utc(day, h * HOUR)) for h in (0, 8, 12, 18)}) > 1
        }

    def history(
        self, candidate_id: int, projects: Sequence[int], count: int
    ) -> tuple[list[Row], int | None]:
        """`count` touchpoints of one candidate, in occurred_at order, designations resolved;
        and when the first of them happened."""
        if count <= 0:
            return [], None
        events = self._events(self._threads(count), projects)
        return self._rows(candidate_id, events), events[0][0]

    # --- planning -------------------------------------------------------------------------

    def _threads(self, count: int) -> list[list[Step]]:
        threads: list[list[Step]] = []
        planned = 0
        while planned < count:
            threads.append(self._thread())
            planned += len(threads[-1])
        if planned > count:  # the last thread is cut short
            threads[-1] = threads[-1][: len(threads[-1]) - (planned - count)]
        return threads

    def _thread(self) -> list[Step]:
        """An initial outreach (its designation is chosen once its place in time is known),
        follow-ups days apart, perhaps a reply and what came after it."""
        rng = self.rng
        random_ = rng.random
        channel = _draw(rng, CHANNELS, CHANNEL_CUM_WEIGHTS)
        steps: list[Step] = [(0, OUTREACH, channel, PENDING, None)]
        follow_ups = _draw(rng, FOLLOW_UP_COUNTS, FOLLOW_UP_CUM_WEIGHTS)
        replied = random_() < REPLY_CHANCE
        outreach = 1 + int(random_() * (1 + follow_ups)) if replied else 1 + follow_ups
        low, high = FOLLOW_UP_GAP_DAYS
        at = 0
        for _ in range(outreach - 1):
            at += int((low + (high - low) * random_()) * DAY)
            if random_() < CHANNEL_SWITCH_CHANCE:
                channel = _draw(rng, CHANNELS, CHANNEL_CUM_WEIGHTS)
            explicit = random_() < EXPLICIT_FOLLOW_UP_CHANCE
            steps.append((at, OUTREACH, channel, FOLLOW_UP if explicit else None, None))
        if replied:
            at += self._reply_delay()
            steps.append((at, REPLY, channel, None, _draw(rng, STATUSES, STATUS_CUM_WEIGHTS)))
            if random_() < ANSWERED_REPLY_CHANCE:
                at += int((0.5 + 4.5 * random_()) * DAY)
                steps.append((at, OUTREACH, channel, None, None))
            if random_() < SECOND_REPLY_CHANCE:
                at += self._reply_delay()
                status = _draw(rng, STATUSES, STATUS_CUM_WEIGHTS)
                steps.append((at, REPLY, channel, None, status))
        return steps

    def _reply_delay(self) -> int:
        hours = min(max(self.rng.lognormvariate(2.0, 1.1), 0.1), 240.0)
        return int(hours * HOUR)

    # --- placing in time ------------------------------------------------------------------

    def _events(self, threads: list[list[Step]], projects: Sequence[int]) -> list[Event]:
        """The steps on the calendar, in order.

        The threads, months apart, lie on a circle as long as the period, turned by a random
        angle: every day of the period is then as busy as any other, whatever the length of
        the history. A thread cut by the turn begins the period with its tail, like a thread
        started before it.
        """
        rng = self.rng
        room = (self.period.days - 1) * DAY  # the last day is left for late replies
        start = self.period.first_day * DAY
        positions, squeeze = self._positions(threads, room)
        turn = int(rng.random() * room)
        day_starts = self.day_starts
        events: list[Event] = []
        for position, thread in zip(positions, threads, strict=True):
            project = None
            if projects and rng.random() >= NO_PROJECT_CHANCE:
                project = projects[int(rng.random() * len(projects))]
            user = self._user(project)
            for offset, kind, channel, choice, status in thread:
                local = start + (position + int(offset * squeeze) + turn) % room
                day, moment = divmod(local, DAY)
                if kind == OUTREACH:
                    day = self._workday(day)
                    at = day_starts[day] + WORKDAY_START + moment * WORKDAY_HOURS // DAY
                    known = None if day in self.irregular_days else day
                    events.append((at, kind, channel, choice, status, project, user, known))
                else:
                    at = day_starts[day] + moment
                    events.append((at, kind, channel, choice, status, project, user, None))
        events.sort(key=_first)
        if rng.random() < INBOUND_CHANCE:
            events = self._inbound_first(events)
        return events

    def _positions(self, threads: list[list[Step]], room: int) -> tuple[list[int], float]:
        """Each thread's start on the circle, months after the previous one; and the factor
        that squeezes threads that would not fit even back to back."""
        rng = self.rng
        lengths = [thread[-1][0] for thread in threads]
        low, high = RECONTACT_GAP_DAYS
        gaps = [int((low + (high - low) * rng.random()) * DAY) for _ in threads]
        busy, idle = sum(lengths), sum(gaps)
        squeeze = 1.0
        if busy >= room:
            squeeze, gaps = room / (busy + 1), [0] * len(gaps)
        elif busy + idle > room:
            gaps = [int(gap * (room - busy) / idle) for gap in gaps]
        positions = []
        at = 0
        for length, gap in zip(lengths, gaps, strict=True):
            positions.append(at)
            at += int(length * squeeze) + gap
        return positions, squeeze

    def _workday(self, day: int) -> int:
        """The day of an outreach: recruiters rarely work weekends, so most weekend outreach
        moves to a weekday of the next week (the moment of the day is kept, squeezed into
        working hours by the caller)."""
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
        if weekday < 5 or self.rng.random() >= WEEKEND_MOVED_CHANCE:
            return day
        workday = day + 7 - weekday + int(self.rng.random() * 5)
        return workday if workday < self.period.first_day + self.period.days else day

    def _inbound_first(self, events: list[Event]) -> list[Event]:
        """The candidate wrote first, days before anyone reached out (the count is kept)."""
        rng = self.rng
        start = self.day_starts[self.period.first_day]
        first_at, _, _, _, _, project, user, _ = events[0]
        at = first_at - int((1 + 19 * rng.random()) * DAY)
        if at < start:
            at = start + int(rng.random() * (first_at - start))
        channel = _draw(rng, CHANNELS, CHANNEL_CUM_WEIGHTS)
        status = _draw(rng, STATUSES, STATUS_CUM_WEIGHTS)
        return [(at, REPLY, channel, None, status, project, user, None), *events[:-1]]

    def _user(self, project: int | None) -> int:
        staff = self.staff
        if project is not None and self.rng.random() < PROJECT_OWNER_CHANCE:
            return staff.project_owner[project]
        return int(_draw(self.rng, staff.user_ids, staff.user_cum_weights))

    # --- rows -----------------------------------------------------------------------------

    def _rows(self, candidate_id: int, events: list[Event]) -> list[Row]:
        """The touchpoint rows, each outreach's designation decided by what precedes it."""
        rng = self.rng
        random_ = rng.random
        window = self.window
        texts, local_day = self.clock.day_texts, self.clock.local_day
        team_id, now, end = self.team_id, self.period.now, self.period.end
        rows: list[Row] = []
        last_outreach: int | None = None
        previous = -1
        designation: str | None
        mode: str | None
        for at, kind, channel, choice, status, project, user, day in events:
            # Distinct instants, so the order (occurred_at, id) is the order decided here,
            # whatever ids the database hands out.
            if at >= end:
                at, day = end - 1, None
            if at <= previous:
                at, day = previous + 1, None
            previous = at
            if kind == OUTREACH:
                if choice == PENDING:
                    choice = self._initial_choice(first=last_outreach is None)
                if choice is None:
                    gap = None if last_outreach is None else at - last_outreach
                    designation, mode = auto_designation(gap, window).value, AUTO
                else:
                    designation, mode = choice, EXPLICIT
                last_outreach = at
                notes = OUTREACH_NOTE_TEXTS[channel]
                sent = channel == "email" and random_() < SEQUENCE_EMAIL_CHANCE
            else:
                designation = mode = None
                notes = REPLY_NOTE_TEXTS[status]
                sent = False
            # Logged a moment later; or backdated: logged hours to days after it happened.
            if random_() < BACKDATED_CHANCE:
                hours = min(max(rng.lognormvariate(3.0, 1.2), 1.0), 14 * 24.0)
                created = min(at + int(hours * HOUR), now)
            else:
                created = min(at + int((5 + 1195 * random_()) * SECOND), now)
            # Timestamps as stored, `YYYY-MM-DD HH:MM:SS.ffffff` (see clock.stamp, inlined).
            utc_day, rest = divmod(at, DAY)
            seconds, fraction = divmod(rest, SECOND)
            occurred_at = f"{texts[utc_day]} {CLOCK_TEXT[seconds]}.{fraction:06d}"
            utc_day, rest = divmod(created, DAY)
            seconds, fraction = divmod(rest, SECOND)
            created_at = f"{texts[utc_day]} {CLOCK_TEXT[seconds]}.{fraction:06d}"
            rows.append(
                (
                    team_id,
                    candidate_id,
                    kind,
                    channel,
                    designation,
                    mode,
                    status,
                    notes[int(random_() * len(notes))] if random_() < NOTE_CHANCE else None,
                    occurred_at,
                    local_day(at) if day is None else texts[day],
                    project,
                    user,
                    self._other_user(user) if random_() < ON_BEHALF_CHANCE else None,
                    self._other_user(user) if random_() < LOGGED_BY_OTHER_CHANCE else user,
                    created_at,
                    SEQUENCE if sent else MANUAL,
                )
            )
        return rows

    def _initial_choice(self, *, first: bool) -> str | None:
        """What a recruiter asks for when starting a thread (None: Auto)."""
        chance = self.rng.random()
        if first:
            if chance < FOLLOW_UP_FIRST_CHANCE:
                return FOLLOW_UP
            return INITIAL if chance < FOLLOW_UP_FIRST_CHANCE + EXPLICIT_FIRST_CHANCE else None
        return None if chance < AUTO_RECONTACT_CHANCE else INITIAL

    def _other_user(self, user: int) -> int:
        others = self.others[user]
        return others[int(self.rng.random() * len(others))]


def _first(event: Event) -> int:
    return event[0]
