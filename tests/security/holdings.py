"""One of everything a team owns, by the name a route's path parameter gives its id."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from reachout.models import SequenceTask, Team, User
from reachout.models.enums import Channel
from reachout.sequences import enrollments
from reachout.sequences import service as sequences
from reachout.sequences.schemas import EnrollmentCreate, SequenceCreate, StageIn
from reachout.touchpoints import bulk
from reachout.touchpoints import service as touchpoints
from reachout.touchpoints.schemas import BulkCreate, TouchpointCreate
from reachout.users import service as users
from tests.factories import make_candidate, make_project, make_user


@dataclass
class Holdings:
    """Ids of rows of one team: a candidate in a project, its touchpoint, a batch, a member."""

    ids: dict[str, int]
    member: User

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


def make_holdings(
    session: Session, *, team: Team, admin: User, member: User | None = None
) -> Holdings:
    """The token is the admin's own (a token is only ever its owner's to see or revoke)."""
    member = member or make_user(session, team=team)
    candidates = [make_candidate(session, team=team) for _ in range(2)]
    project = make_project(session, team=team, candidates=candidates)
    touchpoint = touchpoints.log_touchpoint(
        session,
        actor=member,
        data=TouchpointCreate(candidate_id=candidates[0].id, channel=Channel.inmail),
    )
    batch = bulk.log_bulk(
        session,
        actor=admin,
        project_id=project.id,
        data=BulkCreate(all=True, channel=Channel.text),
    )
    token, _ = users.create_token(session, user=admin, label="spare")
    sequence = sequences.create_sequence(
        session,
        actor=admin,
        data=SequenceCreate(
            name="Holdings",
            stages=[
                StageIn(channel=Channel.call, instructions="Call"),
                StageIn(channel=Channel.email, subject="Hello", body="Hi {{first_name}}"),
            ],
        ),
    )
    enrolled = enrollments.enroll(
        session,
        actor=admin,
        sequence_id=sequence.id,
        data=EnrollmentCreate(project_id=project.id, all=True),
    )
    task = session.query(SequenceTask).filter_by(enrollment_id=enrolled.enrollment_ids[0]).one()
    ids = {
        "candidate_id": candidates[0].id,
        "project_id": project.id,
        "touchpoint_id": touchpoint.id,
        "batch_id": batch.batch_id,
        "user_id": member.id,
        "member_id": member.id,
        "token_id": token.id,
        "sequence_id": sequence.id,
        "enrollment_id": enrolled.enrollment_ids[0],
        "task_id": task.id,
    }
    return Holdings(ids=ids, member=member)
