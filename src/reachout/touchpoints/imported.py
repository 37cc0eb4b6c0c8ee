"""Touchpoints brought in from another tool (SPEC §7): many at once, with their designations
as given, written inside `projection.history_change` so the histories they join are resolved
and their threads and activity derived as for any change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from reachout.db import write_rows
from reachout.kit.sql import id_list, lock_team_histories
from reachout.kit.time import local_day, now
from reachout.models import Team, Touchpoint, User
from reachout.models.enums import Channel, Designation, DesignationMode, Kind, ReplyStatus, Source
from reachout.projection.changes import history_change

_COLUMNS = [
    "team_id",
    "candidate_id",
    "kind",
    "channel",
    "designation",
    "designation_mode",
    "reply_status",
    "occurred_at",
    "local_day",
    "user_id",
    "created_by_id",
    "created_at",
    "source",
]


@dataclass(frozen=True)
class ImportedTouchpoint:
    candidate_id: int
    kind: Kind
    channel: Channel
    designation: Designation | None  # outreach: explicit, as the other tool said
    reply_status: ReplyStatus | None
    occurred_at: datetime
    user_id: int

    def same_key(self) -> tuple[int, str, str, int, int]:
        """What makes two touchpoints one (SPEC §7): candidate, kind, channel, user and the
        instant to the second."""
        return (
            self.candidate_id,
            self.kind.value,
            self.channel.value,
            self.user_id,
            int(self.occurred_at.timestamp()),
        )


def lock_histories(session: Session, *, team_id: int) -> None:
    """Hold the team's histories until the transaction ends (as every history writer does)."""
    lock_team_histories(session, team_id=team_id)


def existing_keys(
    session: Session, *, team_id: int, candidate_ids: Sequence[int]
) -> set[tuple[int, str, str, int, int]]:
    """The `same_key` of every live touchpoint of these candidates."""
    if not candidate_ids:
        return set()
    rows = session.execute(
        select(
            Touchpoint.candidate_id,
            Touchpoint.kind,
            Touchpoint.channel,
            Touchpoint.user_id,
            Touchpoint.occurred_at,
        ).where(
            Touchpoint.team_id == team_id,
            Touchpoint.deleted_at.is_(None),
            Touchpoint.candidate_id.in_(id_list(session, list(candidate_ids))),
        )
    )
    return {
        (candidate, kind, channel, user, int(at.timestamp()))
        for candidate, kind, channel, user, at in rows
    }


def _stamp(instant: datetime) -> str:
    naive = instant.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(sep=" ", timespec="microseconds")


def write_imported(
    session: Session, *, team: Team, actor: User, rows: Sequence[ImportedTouchpoint]
) -> None:
    """Write the rows (checked by the caller: live candidates and users of the team) under
    `lock_histories`, then derive what they change."""
    if not rows:
        return
    by_candidate: dict[int, datetime] = defaultdict(lambda: datetime.max.replace(tzinfo=UTC))
    for row in rows:
        by_candidate[row.candidate_id] = min(by_candidate[row.candidate_id], row.occurred_at)
    since = min(by_candidate.values())
    created = _stamp(now())
    zone = team.time_zone
    with history_change(session, team=team, candidate_ids=sorted(by_candidate), since=since):
        write_rows(
            session,
            Touchpoint.__tablename__,
            _COLUMNS,
            [
                (
                    team.id,
                    row.candidate_id,
                    row.kind.value,
                    row.channel.value,
                    row.designation.value if row.designation else None,
                    DesignationMode.explicit.value if row.kind == Kind.outreach else None,
                    row.reply_status.value if row.reply_status else None,
                    _stamp(row.occurred_at),
                    local_day(row.occurred_at, zone).isoformat(),
                    row.user_id,
                    actor.id,
                    created,
                    Source.import_.value,
                )
                for row in sorted(rows, key=lambda r: (r.occurred_at, r.candidate_id))
            ],
        )
