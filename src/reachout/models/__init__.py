"""ORM tables. Importing this package registers every table on `Base.metadata`."""

from reachout.models.activity import ActivityDay
from reachout.models.audit import AuditEvent
from reachout.models.base import Base
from reachout.models.candidate import Candidate, CandidateEmail
from reachout.models.idempotency import IdempotencyRecord
from reachout.models.mailbox import Mailbox, MailboxMessage
from reachout.models.project import Project, ProjectCandidate
from reachout.models.sequence import Enrollment, Sequence, SequenceSend, SequenceStage, SequenceTask
from reachout.models.signin import SignInFailure
from reachout.models.team import InstanceSetting, Team
from reachout.models.thread import Thread
from reachout.models.touchpoint import Batch, Touchpoint
from reachout.models.user import ApiToken, User
from reachout.models.web_session import StoredSession

__all__ = [
    "ActivityDay",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Batch",
    "Candidate",
    "CandidateEmail",
    "Enrollment",
    "IdempotencyRecord",
    "InstanceSetting",
    "Mailbox",
    "MailboxMessage",
    "Project",
    "ProjectCandidate",
    "Sequence",
    "SequenceSend",
    "SequenceStage",
    "SequenceTask",
    "SignInFailure",
    "StoredSession",
    "Team",
    "Thread",
    "Touchpoint",
    "User",
]
