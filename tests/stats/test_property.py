"""A property test: for any history of logs (by hand or by sequence stages), moves, edits,
deletes, bulk logs and undos, the API's Outreach Stats are what a plain reference model of SPEC
§3 (and §9's groupings by sequence) makes of the ledger.

The reference reads the live touchpoints back from GET /touchpoints (designations as resolved)
and walks them in Python, as the spec reads; it shares no code with the service. Each example
gets a fresh team, in one of a few time zones, with instants on a half-hour grid over four days
around a DST change, so midnights, equal instants and late-evening UTC dates all come up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from reachout.db import Database
from tests.stats.helpers import (
    StatsTeam,
    get_stats,
    log_by_sequence,
    make_stats_team,
    rounded,
)

# New York moves its clocks on Sun 8 Mar 2026; the grid runs from 6 Mar to 10 Mar.
BASE = datetime(2026, 3, 6, 0, 0, tzinfo=UTC)
SLOTS = 4 * 48
ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]
CHANNELS = ["email", "inmail", "text", "call"]
STATUSES = [None, "interested", "not_interested", "later"]
CHOICES = [None, "auto", "initial", "follow_up"]
CANDIDATES = 3
# Stage 10 after stage 2: their keys are in numeric order, "1:2" before "1:10".
STEPS = [None, None, (1, 1), (1, 2), (1, 10), (2, 1)]
SEQUENCES = [1, 2]
COMMON = ("channel", "user", "project", "day", "week", "sequence", "sequence_stage")
GROUPINGS = [
    ("cohort", None),
    *(("cohort", g) for g in (*COMMON, "stage")),
    ("activity", None),
    *(("activity", g) for g in COMMON),
]

slots = st.integers(0, SLOTS)
logs = st.tuples(
    st.just("log"),
    st.integers(0, CANDIDATES - 1),
    st.sampled_from(["outreach", "outreach", "reply"]),
    st.sampled_from(CHANNELS),
    st.sampled_from(CHOICES),
    st.sampled_from(STATUSES),
    slots,
    st.integers(0, 1),  # credited user: Ana or Ben
    st.integers(0, 2),  # project: Backend, Design or none
    st.sampled_from(STEPS),  # the (sequence id, stage) that made it, or none: by hand
)
changes = st.one_of(
    st.tuples(st.just("move"), st.integers(0, 50), slots),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("edit"), st.integers(0, 50), st.sampled_from(CHOICES + STATUSES[1:])),
    st.tuples(
        st.just("bulk"),
        st.sets(st.integers(0, CANDIDATES - 1), min_size=1),
        st.sampled_from(["outreach", "reply"]),
        st.sampled_from(CHOICES),
        slots,
    ),
    st.tuples(st.just("undo"), st.integers(0, 5)),
)
# Half the steps log a touchpoint; hypothesis would draw each alternative of a one_of equally.
ops = st.one_of(logs, changes)
queries = st.tuples(
    st.sampled_from(["cohort", "activity"]),
    st.sampled_from([None, *COMMON, "stage"]),
    st.integers(-1, 4),  # first day, from the grid's first
    st.integers(0, 4),  # days after it
    st.sampled_from([None, "project_id", "user_id", "channel", "sequence_id"]),
    st.integers(0, 3),
)


def instant(slot: int) -> str:
    return (BASE + timedelta(minutes=30 * slot)).isoformat()


@dataclass
class Run:
    client: httpx.Client
    db: Database
    team: StatsTeam
    batches: list[int] = field(default_factory=list)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.client.post(path, json=body, headers=self.team.ana.headers)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    def live_ids(self) -> list[int]:
        return [t.id for t in self.ledger()]

    def ledger(self) -> list[Tp]:
        r = self.client.get("/touchpoints", params={"limit": 500}, headers=self.team.ana.headers)
        assert r.status_code == 200, r.text
        assert r.json()["next_cursor"] is None
        return [Tp.of(t) for t in r.json()["items"]]

    def patch(self, tp_id: int, body: dict[str, Any]) -> None:
        r = self.client.patch(f"/touchpoints/{tp_id}", json=body, headers=self.team.ana.headers)
        assert r.status_code == 200, r.text


def apply(run: Run, op: tuple[Any, ...]) -> None:
    team = run.team
    name = op[0]
    if name == "log":
        _, c, kind, channel, choice, status, slot, user, project, step = op
        body: dict[str, Any] = {
            "candidate_id": team.candidates[c],
            "kind": kind,
            "channel": channel,
            "occurred_at": instant(slot),
            "user_id": (team.ana, team.ben)[user].id,
            "project_id": (*team.projects, None)[project],
        }
        body |= {"designation": choice} if kind == "outreach" else {"reply_status": status}
        if step is None:
            run.post("/touchpoints", body)
        else:
            log_by_sequence(run.db, team.ana, body, sequence_id=step[0], stage=step[1])
    elif name in ("move", "delete", "edit") and (live := run.live_ids()):
        tp_id = live[op[1] % len(live)]
        if name == "move":
            run.patch(tp_id, {"occurred_at": instant(op[2])})
        elif name == "delete":
            r = run.client.delete(f"/touchpoints/{tp_id}", headers=team.ana.headers)
            assert r.status_code == 204, r.text
        else:
            _edit(run, tp_id, op[2])
    elif name == "bulk":
        _, chosen, kind, choice, slot = op
        body = {
            "candidate_ids": [team.candidates[i] for i in sorted(chosen)],
            "kind": kind,
            "channel": "text",
            "occurred_at": instant(slot),
        }
        if kind == "outreach":
            body["designation"] = choice
        run.batches.append(
            run.post(f"/projects/{team.projects[0]}/touchpoints/bulk", body)["batch_id"]
        )
    elif name == "undo" and run.batches:
        batch_id = run.batches.pop(op[1] % len(run.batches))
        r = run.client.delete(f"/batches/{batch_id}", headers=team.ana.headers)
        assert r.status_code == 200, r.text


def _edit(run: Run, tp_id: int, value: str | None) -> None:
    """A new designation for an outreach, a new status for a reply (when it fits the kind)."""
    tp = next(t for t in run.ledger() if t.id == tp_id)
    if tp.kind == "outreach" and value in CHOICES:
        run.patch(tp_id, {"designation": value})
    elif tp.kind == "reply" and value in STATUSES:
        run.patch(tp_id, {"reply_status": value})


# --- the reference model ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tp:
    id: int
    candidate_id: int
    kind: str
    channel: str
    designation: str | None
    reply_status: str | None
    at: datetime
    user_id: int
    project_id: int | None
    sequence_id: int | None
    sequence_stage: int | None

    @classmethod
    def of(cls, t: dict[str, Any]) -> Tp:
        at = datetime.fromisoformat(t["occurred_at"].replace("Z", "+00:00"))
        return cls(
            id=t["id"],
            candidate_id=t["candidate_id"],
            kind=t["kind"],
            channel=t["channel"],
            designation=t["designation"],
            reply_status=t["reply_status"],
            at=at if at.tzinfo else at.replace(tzinfo=UTC),
            user_id=t["user_id"],
            project_id=t["project_id"],
            sequence_id=t["sequence_id"],
            sequence_stage=t["sequence_stage"],
        )


@dataclass
class Thread:
    initial: Tp
    later: list[Tp] = field(default_factory=list)

    @property
    def replies(self) -> list[Tp]:
        return [t for t in self.later if t.kind == "reply"]

    @property
    def depth(self) -> int:
        """Outreach touchpoints before the first reply, or in all."""
        n = 1
        for t in self.later:
            if t.kind == "reply":
                break
            n += 1
        return n


def threads_of(ledger: list[Tp]) -> list[Thread]:
    """SPEC §3: a thread starts at each initial; what follows belongs to it until the next."""
    histories: dict[int, list[Tp]] = defaultdict(list)
    for t in sorted(ledger, key=lambda t: (t.at, t.id)):
        histories[t.candidate_id].append(t)
    threads = []
    for history in histories.values():
        current: Thread | None = None
        for t in history:
            if t.kind == "outreach" and t.designation == "initial":
                current = Thread(t)
                threads.append(current)
            elif current is not None:
                current.later.append(t)
    return threads


def median(values: list[float]) -> float | None:
    values = sorted(values)
    n = len(values)
    if n == 0:
        return None
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def cohort_metrics(threads: list[Thread]) -> dict[str, Any]:
    n = len(threads)
    replied = [t for t in threads if t.replies]
    latest = [t.replies[-1].reply_status or "none" for t in replied]
    hours = [(t.replies[0].at - t.initial.at).total_seconds() / 3600 for t in replied]
    interested = latest.count("interested")
    return {
        "contacted": n,
        "candidates": len({t.initial.candidate_id for t in threads}),
        "follow_ups": sum(1 for t in threads for x in t.later if x.kind == "outreach"),
        "replied": len(replied),
        "interested": interested,
        "not_interested": latest.count("not_interested"),
        "later": latest.count("later"),
        "reply_rate": len(replied) / n if n else None,
        "interested_rate": interested / n if n else None,
        "median_hours_to_reply": median(hours),
    }


def activity_metrics(tps: list[Tp]) -> dict[str, Any]:
    outreach = [t for t in tps if t.kind == "outreach"]
    replies = [t for t in tps if t.kind == "reply"]
    return {
        "outreach": len(outreach),
        "initial": sum(t.designation == "initial" for t in outreach),
        "follow_up": sum(t.designation == "follow_up" for t in outreach),
        "replies": len(replies),
        **{s: sum(t.reply_status == s for t in replies) for s in STATUSES[1:] if s},
    }


def stage_groups(threads: list[Thread]) -> list[dict[str, Any]]:
    groups = []
    for k in range(1, max((t.depth for t in threads), default=0) + 1):
        reached = sum(t.depth >= k for t in threads)
        replied = sum(t.depth == k and bool(t.replies) for t in threads)
        groups.append(
            {"key": k, "reached": reached, "replied": replied, "reply_rate": replied / reached}
        )
    return groups


def expected(ledger: list[Tp], time_zone: str, params: dict[str, Any]) -> dict[str, Any]:
    zone = ZoneInfo(time_zone)
    first, last = date.fromisoformat(params["from"]), date.fromisoformat(params["to"])

    def day(t: Tp) -> date:
        return t.at.astimezone(zone).date()

    def wanted(t: Tp) -> bool:
        return first <= day(t) <= last and all(
            getattr(t, name) == params[name]
            for name in ("project_id", "user_id", "channel", "sequence_id")
            if name in params
        )

    keys: dict[str | None, Callable[[Tp], Any]] = {
        "channel": lambda t: t.channel,
        "user": lambda t: t.user_id,
        "project": lambda t: t.project_id,
        "day": lambda t: day(t).isoformat(),
        "week": lambda t: (day(t) - timedelta(days=day(t).weekday())).isoformat(),
        "sequence": lambda t: t.sequence_id,
        "sequence_stage": lambda t: (
            None if t.sequence_id is None else f"{t.sequence_id}:{t.sequence_stage}"
        ),
    }
    group_by = params.get("group_by")
    if params["view"] == "cohort":
        chosen = [t for t in threads_of(ledger) if wanted(t.initial)]
        totals = cohort_metrics(chosen)
        if group_by == "stage":
            return {"totals": totals, "groups": stage_groups(chosen)}
        members: Any = chosen
        metrics: Any = cohort_metrics
        key_of: Callable[[Any], Any] = lambda t: keys[group_by](t.initial)  # noqa: E731
    else:
        members = [t for t in ledger if wanted(t)]
        totals = activity_metrics(members)
        metrics = activity_metrics
        key_of = lambda t: keys[group_by](t)  # noqa: E731
    if group_by is None:
        return {"totals": totals, "groups": []}
    by_key: dict[Any, list[Any]] = defaultdict(list)
    for m in members:
        by_key[key_of(m)].append(m)
    ordered = sorted(by_key, key=lambda k: (k is None, _in_order(group_by, k)))
    return {"totals": totals, "groups": [{"key": k, **metrics(by_key[k])} for k in ordered]}


def _in_order(group_by: str, key: Any) -> Any:
    """Keys sort as their values, a sequence stage's as (sequence id, stage) numbers."""
    if group_by == "sequence_stage" and key is not None:
        return tuple(int(part) for part in key.split(":"))
    return key


def stats_params(team: StatsTeam, query: tuple[Any, ...]) -> dict[str, Any] | None:
    view, group_by, start, length, filter_name, pick = query
    if view == "activity" and group_by == "stage":
        return None  # refused, see test_validation
    first = BASE.date() + timedelta(days=start)
    params: dict[str, Any] = {
        "view": view,
        "from": first.isoformat(),
        "to": (first + timedelta(days=length)).isoformat(),
    }
    if group_by is not None:
        params["group_by"] = group_by
    if filter_name == "project_id":
        params["project_id"] = team.projects[pick % 2]
    elif filter_name == "user_id":
        params["user_id"] = (team.ana, team.ben)[pick % 2].id
    elif filter_name == "channel":
        params["channel"] = CHANNELS[pick]
    elif filter_name == "sequence_id":
        params["sequence_id"] = SEQUENCES[pick % 2]
    return params


def check_history(
    client: httpx.Client,
    db: Database,
    history: list[tuple[Any, ...]],
    time_zone: str,
    asked: list[tuple[Any, ...]],
) -> None:
    run = Run(client, db, make_stats_team(db, time_zone=time_zone, candidates=CANDIDATES))
    for op in history:
        apply(run, op)
    ledger = run.ledger()
    _note_what_came_up(ledger)
    # Every view and grouping over the whole grid, then the drawn periods and filters.
    sweep = [(view, group_by, -1, 6, None, 0) for view, group_by in GROUPINGS]
    for query in sweep + asked:
        params = stats_params(run.team, query)
        if params is None:
            continue
        answer = get_stats(client, run.team.ana, **params)
        for group in answer["groups"]:
            del group["label"]  # labels are checked by hand in test_example
        got = rounded({"totals": answer["totals"], "groups": answer["groups"]})
        assert got == rounded(expected(ledger, time_zone, params)), (params, ledger)


def _note_what_came_up(ledger: list[Tp]) -> None:
    """Shown by --hypothesis-show-statistics: the cases the generator must keep reaching."""
    threads = threads_of(ledger)
    per_candidate = defaultdict(int)
    for t in threads:
        per_candidate[t.initial.candidate_id] += 1
    event(f"threads: {min(len(threads), 5)}")
    event(f"a candidate with several threads: {max(per_candidate.values(), default=0) > 1}")
    event(f"a thread with several replies: {any(len(t.replies) > 1 for t in threads)}")
    event(f"depths: {sorted({min(t.depth, 3) for t in threads})}")
    orphans = len(ledger) - sum(1 + len(t.later) for t in threads)
    event(f"touchpoints in no thread: {orphans > 0}")
    event(f"a thread started by a sequence: {any(t.initial.sequence_id for t in threads)}")
    event(f"sequences: {sorted({t.sequence_id for t in ledger if t.sequence_id})}")


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    # Some touchpoints first, so that the changes after them have something to change.
    history=st.tuples(st.lists(logs, min_size=3, max_size=10), st.lists(ops, max_size=12)).map(
        lambda parts: parts[0] + parts[1]
    ),
    time_zone=st.sampled_from(ZONES),
    asked=st.lists(queries, max_size=3),
)
def test_stats_match_the_reference_model(
    client: httpx.Client,
    db: Database,
    history: list[tuple[Any, ...]],
    time_zone: str,
    asked: list[tuple[Any, ...]],
) -> None:
    check_history(client, db, history, time_zone, asked)
