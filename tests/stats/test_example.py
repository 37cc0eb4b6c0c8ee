"""One small history, worked out by hand from SPEC §3, against every metric and grouping.

The team is in America/New_York (UTC-5 in November 2026, after DST ended on 1 Nov). The period
asked for is Mon 2 Nov .. Sun 15 Nov 2026, two ISO weeks. Times below are UTC.

Candidate c1 (thread T1, inmail, Ana, Backend)
  t1  03 Nov 03:30  outreach inmail auto -> initial   = Mon 2 Nov 22:30 in New York: T1 starts 2 Nov
  t2  04 Nov 15:00  outreach inmail auto -> follow_up
  t3  05 Nov 03:00  reply interested                  = Wed 4 Nov 22:00 NY; 47.5 h after t1
  t4  06 Nov 14:00  reply, no status                  T1's latest reply has no status
Candidate c2 (T2, email, Ben, Backend)
  t5  02 Nov 15:00  reply interested                  inbound: before any outreach, no thread
  t6  02 Nov 16:00  outreach email auto -> initial    the reply before it is no outreach
  t7  02 Nov 19:00  reply later                       3 h after t6
Candidate c3 (two threads: T3 text Ana Design, T4 call Ben no project)
  t8  09 Nov 14:00  outreach text explicit initial
  t9  10 Nov 14:00  outreach text auto -> follow_up
  t10 11 Nov 14:00  outreach call explicit follow_up, by Ben, no project: still T3's follow-up
  t11 12 Nov 05:00  reply not_interested              = Thu 12 Nov 00:00 NY; 63 h after t8
  t12 13 Nov 15:00  outreach call explicit initial    a second thread, T4
  t13 14 Nov 04:59  reply interested                  = Fri 13 Nov 23:59 NY; 13 h 59 min after t12
Candidate c4 (T5, inmail, Ana, Design)
  t14 05 Nov 14:00  outreach inmail explicit follow_up   orphan: before any initial, no thread
  t15 06 Nov 14:00  outreach inmail auto -> follow_up    an outreach (t14) precedes it
  t16 16 Nov 03:30  outreach inmail explicit initial     = Sun 15 Nov 22:30 NY: in the period
  t17 20 Nov 14:00  outreach inmail auto -> follow_up    after the period, still T5's follow-up
Candidate c5 (T6, text, Ben, Backend)
  t18 02 Nov 04:30  outreach text auto -> initial     = Sun 1 Nov 23:30 NY: before the period
  t19 03 Nov 14:00  reply interested                  33.5 h after t18
Candidate c6 (T7, email, Ana, Backend)
  t20 10 Nov 16:00  outreach email auto -> initial, until t21 is logged, then follow_up
  t21 08 Nov 16:00  outreach email auto, logged after t20 but backdated before it -> initial
  t22 10 Nov 20:00  reply, no status                  52 h after t21

Threads started in the period: T1 (2 Nov), T2 (2 Nov), T7 (Sun 8 Nov), T3 (9 Nov), T4 (13 Nov),
T5 (Sun 15 Nov); not T6 (1 Nov). Hours to the first reply: T2 3, T4 13.98.., T1 47.5, T7 52,
T3 63; T5 has no reply. Outreach before the first reply (the stage): T1 2, T2 1, T3 3, T4 1,
T5 2 (all of its outreach: t16, t17), T7 2.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reachout.db import Database
from reachout.kit import time as clock
from tests.factories import at
from tests.stats.helpers import StatsTeam, get_stats, log, make_stats_team, rounded

PERIOD = {"from_": "2026-11-02", "to": "2026-11-15"}
T4_HOURS = 839 / 60  # 13 h 59 min


def cohort(
    contacted: int,
    candidates: int,
    follow_ups: int,
    replied: int,
    interested: int,
    not_interested: int,
    later: int,
    reply_rate: float | None,
    interested_rate: float | None,
    median_hours_to_reply: float | None,
) -> dict[str, Any]:
    return {
        "contacted": contacted,
        "candidates": candidates,
        "follow_ups": follow_ups,
        "replied": replied,
        "interested": interested,
        "not_interested": not_interested,
        "later": later,
        "reply_rate": reply_rate,
        "interested_rate": interested_rate,
        "median_hours_to_reply": median_hours_to_reply,
    }


def activity(
    outreach: int,
    initial: int,
    follow_up: int,
    replies: int,
    interested: int,
    not_interested: int,
    later: int,
) -> dict[str, Any]:
    return {
        "outreach": outreach,
        "initial": initial,
        "follow_up": follow_up,
        "replies": replies,
        "interested": interested,
        "not_interested": not_interested,
        "later": later,
    }


class Example:
    """The history above, logged over HTTP; ids to write expectations with."""

    def __init__(self, client: httpx.Client, team: StatsTeam, ids: dict[str, int]) -> None:
        self.client = client
        self.team = team
        self.ids = ids
        self.backend, self.design = team.projects

    def key(self, symbol: Any) -> Any:
        """Expected keys name users and projects by name; the ids are only known at run time."""
        names = {
            "ana": self.team.ana.id,
            "ben": self.team.ben.id,
            "backend": self.backend,
            "design": self.design,
        }
        return names.get(symbol, symbol) if isinstance(symbol, str) else symbol

    def stats(self, **params: Any) -> dict[str, Any]:
        for name in ("project_id", "user_id"):
            if name in params:
                params[name] = self.key(params[name])
        return rounded(get_stats(self.client, self.team.ana, **{**PERIOD, **params}))

    def groups(self, rows: list[tuple[Any, str, dict[str, Any]]]) -> list[dict[str, Any]]:
        return [{"key": self.key(k), "label": label, **metrics} for k, label, metrics in rows]


@pytest.fixture
def example(client: httpx.Client, db: Database) -> Example:
    team = make_stats_team(db, time_zone="America/New_York")
    ana, ben = team.ana, team.ben
    c1, c2, c3, c4, c5, c6 = team.candidates
    backend, design = team.projects

    def reply(
        actor: Any, c: int, when: str, channel: str, status: str | None, p: int | None
    ) -> int:
        return log(
            client, actor, c, when, kind="reply", channel=channel, status=status, project_id=p
        )

    def reach(actor: Any, c: int, when: str, channel: str, d: str | None, p: int | None) -> int:
        return log(client, actor, c, when, channel=channel, designation=d, project_id=p)

    ids = {
        "t1": reach(ana, c1, "2026-11-03 03:30", "inmail", None, backend),
        "t2": reach(ana, c1, "2026-11-04 15:00", "inmail", None, backend),
        "t3": reply(ana, c1, "2026-11-05 03:00", "inmail", "interested", backend),
        "t4": reply(ana, c1, "2026-11-06 14:00", "inmail", None, backend),
        "t5": reply(ben, c2, "2026-11-02 15:00", "email", "interested", backend),
        "t6": reach(ben, c2, "2026-11-02 16:00", "email", "auto", backend),
        "t7": reply(ben, c2, "2026-11-02 19:00", "email", "later", backend),
        "t8": reach(ana, c3, "2026-11-09 14:00", "text", "initial", design),
        "t9": reach(ana, c3, "2026-11-10 14:00", "text", None, design),
        "t10": reach(ben, c3, "2026-11-11 14:00", "call", "follow_up", None),
        "t11": reply(ana, c3, "2026-11-12 05:00", "text", "not_interested", design),
        "t12": reach(ben, c3, "2026-11-13 15:00", "call", "initial", None),
        "t13": reply(ben, c3, "2026-11-14 04:59", "call", "interested", None),
        "t14": reach(ana, c4, "2026-11-05 14:00", "inmail", "follow_up", design),
        "t15": reach(ana, c4, "2026-11-06 14:00", "inmail", None, design),
        "t16": reach(ana, c4, "2026-11-16 03:30", "inmail", "initial", design),
        "t17": reach(ana, c4, "2026-11-20 14:00", "inmail", None, design),
        "t18": reach(ben, c5, "2026-11-02 04:30", "text", None, backend),
        "t19": reply(ben, c5, "2026-11-03 14:00", "text", "interested", backend),
        "t20": reach(ana, c6, "2026-11-10 16:00", "email", None, backend),
        "t21": reach(ana, c6, "2026-11-08 16:00", "email", None, backend),
        "t22": reply(ana, c6, "2026-11-10 20:00", "email", None, backend),
    }
    return Example(client, team, ids)


def test_the_history_resolved_as_worked_out(client: httpx.Client, example: Example) -> None:
    # The premise of every expectation below: what Auto made of each outreach.
    listed = client.get("/touchpoints", params={"limit": 500}, headers=example.team.ana.headers)
    got = {t["id"]: t["designation"] for t in listed.json()["items"]}
    initial = {"t1", "t6", "t8", "t12", "t16", "t18", "t21"}
    follow_up = {"t2", "t9", "t10", "t14", "t15", "t17", "t20"}
    for name, tp_id in example.ids.items():
        want = "initial" if name in initial else "follow_up" if name in follow_up else None
        assert got[tp_id] == want, name


COHORT_TOTALS = cohort(
    6,  # T1 T2 T3 T4 T5 T7; T6 started on 1 Nov in New York (2 Nov in UTC)
    5,  # c3 has two threads (T3, T4)
    5,  # T1 1, T3 2 (t9, and Ben's call t10), T5 1 (t17, after the period), T7 1 (t20)
    5,  # all but T5
    1,  # T4; T1's latest reply (t4) has no status, though its first (t3) was interested
    1,  # T3
    1,  # T2
    5 / 6,
    1 / 6,
    47.5,  # the middle of 3, 13.98, 47.5, 52, 63
)


def test_cohort_totals(example: Example) -> None:
    answer = example.stats(view="cohort")
    assert answer["totals"] == rounded(COHORT_TOTALS)
    assert answer["groups"] == []
    assert (answer["view"], answer["from"], answer["to"]) == ("cohort", "2026-11-02", "2026-11-15")
    assert answer["time_zone"] == "America/New_York"


COHORT_GROUPS: dict[str, list[tuple[Any, str, dict[str, Any]]]] = {
    "channel": [
        ("call", "Call", cohort(1, 1, 0, 1, 1, 0, 0, 1.0, 1.0, T4_HOURS)),
        # T2 and T7: an even count, so the mean of 3 and 52.
        ("email", "Email", cohort(2, 2, 1, 2, 0, 0, 1, 1.0, 0.0, 27.5)),
        ("inmail", "InMail", cohort(2, 2, 2, 1, 0, 0, 0, 0.5, 0.0, 47.5)),  # T1, T5
        # T3 holds Ben's call follow-up: a thread's channel is its initial's.
        ("text", "Text", cohort(1, 1, 2, 1, 0, 1, 0, 1.0, 0.0, 63.0)),
    ],
    "user": [
        # T1 T3 T5 T7; hours 47.5, 52, 63.
        ("ana", "Ana", cohort(4, 4, 5, 3, 0, 1, 0, 0.75, 0.0, 52.0)),
        # T2 T4; Ben's follow-up t10 is in Ana's thread T3, so it counts for Ana.
        ("ben", "Ben", cohort(2, 2, 0, 2, 1, 0, 1, 1.0, 0.5, (3 + T4_HOURS) / 2)),
    ],
    "project": [
        ("backend", "Backend", cohort(3, 3, 2, 3, 0, 0, 1, 1.0, 0.0, 47.5)),  # T1 T2 T7
        ("design", "Design", cohort(2, 2, 3, 1, 0, 1, 0, 0.5, 0.0, 63.0)),  # T3 T5
        (None, "No project", cohort(1, 1, 0, 1, 1, 0, 0, 1.0, 1.0, T4_HOURS)),  # T4, last
    ],
    "day": [
        # T1 started at 03:30 UTC on 3 Nov, which is still 2 Nov in New York.
        ("2026-11-02", "Mon 2 Nov 2026", cohort(2, 2, 1, 2, 0, 0, 1, 1.0, 0.0, 25.25)),
        ("2026-11-08", "Sun 8 Nov 2026", cohort(1, 1, 1, 1, 0, 0, 0, 1.0, 0.0, 52.0)),  # T7
        ("2026-11-09", "Mon 9 Nov 2026", cohort(1, 1, 2, 1, 0, 1, 0, 1.0, 0.0, 63.0)),  # T3
        ("2026-11-13", "Fri 13 Nov 2026", cohort(1, 1, 0, 1, 1, 0, 0, 1.0, 1.0, T4_HOURS)),
        # T5: 16 Nov in UTC; no reply, so no median and rates of 0.
        ("2026-11-15", "Sun 15 Nov 2026", cohort(1, 1, 1, 0, 0, 0, 0, 0.0, 0.0, None)),
    ],
    "week": [
        # T1 T2 and T7 (Sunday 8 Nov ends the ISO week of Monday 2 Nov).
        ("2026-11-02", "Week of 2 Nov 2026", cohort(3, 3, 2, 3, 0, 0, 1, 1.0, 0.0, 47.5)),
        # T3 T4 T5: three threads of two candidates (c3 twice).
        (
            "2026-11-09",
            "Week of 9 Nov 2026",
            cohort(3, 2, 3, 2, 1, 1, 0, 2 / 3, 1 / 3, (63 + T4_HOURS) / 2),
        ),
    ],
}


@pytest.mark.parametrize("group_by", list(COHORT_GROUPS))
def test_cohort_groups(example: Example, group_by: str) -> None:
    answer = example.stats(view="cohort", group_by=group_by)
    assert answer["totals"] == rounded(COHORT_TOTALS)
    assert answer["groups"] == rounded(example.groups(COHORT_GROUPS[group_by]))


def stage(reached: int, replied: int, reply_rate: float) -> dict[str, Any]:
    return {"reached": reached, "replied": replied, "reply_rate": reply_rate}


def test_cohort_stages(example: Example) -> None:
    answer = example.stats(view="cohort", group_by="stage")
    assert answer["totals"] == rounded(COHORT_TOTALS)
    assert answer["groups"] == rounded(
        example.groups(
            [
                # Every thread reaches touch 1; T2 and T4 replied right after their initial.
                (1, "Touch 1 (Initial Outreach)", stage(6, 2, 2 / 6)),
                # T1 T3 T5 T7 had a second outreach before any reply; T1 and T7 replied then.
                (2, "Touch 2 (Follow-Up 1)", stage(4, 2, 0.5)),
                (3, "Touch 3 (Follow-Up 2)", stage(1, 1, 1.0)),  # T3
            ]
        )
    )


ACTIVITY_TOTALS = activity(
    12,  # every outreach but t17 (20 Nov) and t18 (1 Nov in New York)
    6,  # t1 t6 t8 t12 t16 t21
    6,  # t2 t9 t10 t14 t15 t20: the orphan follow-ups count here, as logged
    8,  # t3 t4 t5 t7 t11 t13 t19 t22: the inbound t5, and t19 of T6, count too
    4,  # t3 t5 t13 t19
    1,  # t11
    1,  # t7
)

ACTIVITY_GROUPS: dict[str, list[tuple[Any, str, dict[str, Any]]]] = {
    "channel": [
        ("call", "Call", activity(2, 1, 1, 1, 1, 0, 0)),  # t10 t12 t13
        ("email", "Email", activity(3, 2, 1, 3, 1, 0, 1)),  # t5 t6 t7 t20 t21 t22
        ("inmail", "InMail", activity(5, 2, 3, 2, 1, 0, 0)),  # t1-t4 t14-t16
        ("text", "Text", activity(2, 1, 1, 2, 1, 1, 0)),  # t8 t9 t11 t19
    ],
    "user": [
        ("ana", "Ana", activity(9, 4, 5, 4, 1, 1, 0)),
        # Ben's own touchpoints: t10 counts for him here, unlike in the cohort view.
        ("ben", "Ben", activity(3, 2, 1, 4, 3, 0, 1)),
    ],
    "project": [
        ("backend", "Backend", activity(5, 3, 2, 6, 3, 0, 1)),
        ("design", "Design", activity(5, 2, 3, 1, 0, 1, 0)),
        (None, "No project", activity(2, 1, 1, 1, 1, 0, 0)),  # t10 t12 t13
    ],
    "day": [
        ("2026-11-02", "Mon 2 Nov 2026", activity(2, 2, 0, 2, 1, 0, 1)),  # t1 (22:30 NY) t5-t7
        ("2026-11-03", "Tue 3 Nov 2026", activity(0, 0, 0, 1, 1, 0, 0)),  # t19
        ("2026-11-04", "Wed 4 Nov 2026", activity(1, 0, 1, 1, 1, 0, 0)),  # t2, t3 (22:00 NY)
        ("2026-11-05", "Thu 5 Nov 2026", activity(1, 0, 1, 0, 0, 0, 0)),  # t14
        ("2026-11-06", "Fri 6 Nov 2026", activity(1, 0, 1, 1, 0, 0, 0)),  # t4 (no status) t15
        ("2026-11-08", "Sun 8 Nov 2026", activity(1, 1, 0, 0, 0, 0, 0)),  # t21, backdated
        ("2026-11-09", "Mon 9 Nov 2026", activity(1, 1, 0, 0, 0, 0, 0)),  # t8
        ("2026-11-10", "Tue 10 Nov 2026", activity(2, 0, 2, 1, 0, 0, 0)),  # t9 t20 t22
        ("2026-11-11", "Wed 11 Nov 2026", activity(1, 0, 1, 0, 0, 0, 0)),  # t10
        ("2026-11-12", "Thu 12 Nov 2026", activity(0, 0, 0, 1, 0, 1, 0)),  # t11, 00:00 NY
        ("2026-11-13", "Fri 13 Nov 2026", activity(1, 1, 0, 1, 1, 0, 0)),  # t12, t13 23:59 NY
        ("2026-11-15", "Sun 15 Nov 2026", activity(1, 1, 0, 0, 0, 0, 0)),  # t16
    ],
    "week": [
        ("2026-11-02", "Week of 2 Nov 2026", activity(6, 3, 3, 5, 3, 0, 1)),
        ("2026-11-09", "Week of 9 Nov 2026", activity(6, 3, 3, 3, 1, 1, 0)),
    ],
}


def test_activity_totals(example: Example) -> None:
    answer = example.stats(view="activity")
    assert answer["totals"] == ACTIVITY_TOTALS
    assert answer["groups"] == []


@pytest.mark.parametrize("group_by", list(ACTIVITY_GROUPS))
def test_activity_groups(example: Example, group_by: str) -> None:
    answer = example.stats(view="activity", group_by=group_by)
    assert answer["totals"] == ACTIVITY_TOTALS
    assert answer["groups"] == example.groups(ACTIVITY_GROUPS[group_by])


def test_cohort_filters_apply_to_the_initial(example: Example) -> None:
    assert example.stats(project_id="backend")["totals"] == rounded(
        cohort(3, 3, 2, 3, 0, 0, 1, 1.0, 0.0, 47.5)  # T1 T2 T7
    )
    # Ben logged the call follow-up t10, but in Ana's thread: not his, and not a call thread.
    assert example.stats(user_id="ben")["totals"] == rounded(
        cohort(2, 2, 0, 2, 1, 0, 1, 1.0, 0.5, (3 + T4_HOURS) / 2)
    )
    assert example.stats(channel="call")["totals"] == rounded(
        cohort(1, 1, 0, 1, 1, 0, 0, 1.0, 1.0, T4_HOURS)
    )
    both = example.stats(project_id="backend", channel="email", group_by="day")
    assert both["totals"] == rounded(cohort(2, 2, 1, 2, 0, 0, 1, 1.0, 0.0, 27.5))  # T2 T7
    assert both["groups"] == rounded(
        example.groups(
            [
                ("2026-11-02", "Mon 2 Nov 2026", cohort(1, 1, 0, 1, 0, 0, 1, 1.0, 0.0, 3.0)),
                ("2026-11-08", "Sun 8 Nov 2026", cohort(1, 1, 1, 1, 0, 0, 0, 1.0, 0.0, 52.0)),
            ]
        )
    )
    # "My stats": Ana's threads are T1 (2 touches before its reply), T3 (3), T5 (2, no
    # reply) and T7 (2).
    mine = example.stats(user_id="ana", group_by="stage")
    assert mine["groups"] == rounded(
        example.groups(
            [
                (1, "Touch 1 (Initial Outreach)", stage(4, 0, 0.0)),
                (2, "Touch 2 (Follow-Up 1)", stage(4, 2, 0.5)),
                (3, "Touch 3 (Follow-Up 2)", stage(1, 1, 1.0)),
            ]
        )
    )


def test_activity_filters_apply_to_each_touchpoint(example: Example) -> None:
    assert example.stats(view="activity", channel="call")["totals"] == activity(2, 1, 1, 1, 1, 0, 0)
    assert example.stats(view="activity", user_id="ben")["totals"] == activity(3, 2, 1, 4, 3, 0, 1)
    assert example.stats(view="activity", project_id="design")["totals"] == activity(
        5, 2, 3, 1, 0, 1, 0
    )
    ana_weeks = example.stats(view="activity", user_id="ana", group_by="week")
    assert ana_weeks["groups"] == example.groups(
        [
            # t1 t2 t14 t15 t21 outreach (t1 t21 initial); replies t3 (interested) t4
            ("2026-11-02", "Week of 2 Nov 2026", activity(5, 2, 3, 2, 1, 0, 0)),
            # t8 t9 t16 t20 outreach (t8 t16 initial); replies t11 (not interested) t22
            ("2026-11-09", "Week of 9 Nov 2026", activity(4, 2, 2, 2, 0, 1, 0)),
        ]
    )


def test_days_are_the_team_time_zones(example: Example) -> None:
    # 1 Nov in New York holds only T6 (t18 at 04:30 UTC on 2 Nov); its reply t19 came 33.5 h on.
    nov_1 = example.stats(from_="2026-11-01", to="2026-11-01")
    assert nov_1["totals"] == rounded(cohort(1, 1, 0, 1, 1, 0, 0, 1.0, 1.0, 33.5))
    assert example.stats(view="activity", from_="2026-11-01", to="2026-11-01")[
        "totals"
    ] == activity(1, 1, 0, 0, 0, 0, 0)
    # 16 Nov (t16's UTC date) holds nothing in New York: t16 was on the evening of the 15th.
    nov_16 = example.stats(from_="2026-11-16", to="2026-11-16")
    assert nov_16["totals"] == cohort(0, 0, 0, 0, 0, 0, 0, None, None, None)
    assert example.stats(view="activity", from_="2026-11-16", to="2026-11-16")[
        "totals"
    ] == activity(0, 0, 0, 0, 0, 0, 0)


def test_the_default_period_is_the_30_days_ending_today_there(
    example: Example, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 03:00 UTC on 16 Nov is still the evening of Sunday 15 Nov in New York.
    monkeypatch.setattr(clock, "now", lambda: at("2026-11-16 03:00"))
    answer = example.stats(from_=None, to=None)
    assert (answer["from"], answer["to"]) == ("2026-10-17", "2026-11-15")
    # T6 (1 Nov) is in these 30 days as well as the six threads of 2-15 Nov.
    assert answer["totals"]["contacted"] == 7
    # With only `to`, the 30 days ending then; with only `from`, from then until today.
    assert example.stats(from_=None, to="2026-11-30")["from"] == "2026-11-01"
    assert example.stats(from_="2026-11-10", to=None)["to"] == "2026-11-15"
