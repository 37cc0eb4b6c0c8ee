"""Users and their API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from reachout import audit
from reachout.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from reachout.kit import security
from reachout.kit.pagination import DEFAULT_LIMIT, Page, paginate
from reachout.kit.time import now
from reachout.kit.types import plain_text
from reachout.models import ApiToken, Team, User
from reachout.models.enums import Role
from reachout.users import repository, sessions

# A token's last use is written at most this often, so reads stay reads.
LAST_USED_PRECISION = timedelta(hours=1)


EMAIL_MAX = 320
NAME_MAX = 200
PASSWORD_MIN = 8


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if (
        "@" not in email
        or email.startswith("@")
        or email.endswith("@")
        or " " in email
        or "\x00" in email
        or len(email) > EMAIL_MAX
    ):
        raise Invalid.on("email", f"{email[:EMAIL_MAX]!r} is not an email address")
    return email


def add_user(
    session: Session,
    *,
    team: Team,
    email: str,
    name: str | None,
    role: Role,
    password: str,
    actor: User | None,
) -> User:
    if actor is not None and actor.role != Role.admin:
        raise Forbidden("only an admin can add team members")
    key = normalize_email(email)
    if repository.user_by_email(session, key) is not None:
        raise Conflict(f"a user with email {key} exists already")
    _check_password("password", password)
    name = plain_text(name or "", field="name", max_length=NAME_MAX)
    user = User(
        team=team,
        email=key,
        name=name or key.split("@")[0][:NAME_MAX],
        role=Role(role).value,
        password_hash=security.hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        team_id=team.id,
        action="create",
        entity_type="user",
        entity_id=user.id,
        after={"email": user.email, "name": user.name, "role": user.role},
    )
    return user


def _check_password(field: str, password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise Invalid.on(field, f"must be at least {PASSWORD_MIN} characters")


def get_user_by_email(session: Session, email: str) -> User:
    user = repository.user_by_email(session, email.strip().lower())
    if user is None:
        raise NotFound(f"no user with email {email.strip()}")
    return user


def require_team_user(session: Session, *, team_id: int, user_id: int, field: str) -> User:
    """A member of the team, named by `field` of a body or query; else 422 on that field."""
    user = repository.get_member(session, team_id=team_id, user_id=user_id)
    if user is None:
        raise Invalid.on(field, f"no team member with id {user_id}")
    return user


def user_names(session: Session, *, team_id: int, user_ids: Sequence[int]) -> dict[int, str]:
    """Names of these users of the team, by id (another team's ids are left out)."""
    if not user_ids:
        return {}
    return repository.names(session, team_id=team_id, user_ids=user_ids)


def list_users(session: Session, *, actor: User, active_only: bool = False) -> list[User]:
    """The team's users; removed ones too unless `active_only` (their names stay on the
    touchpoints they logged)."""
    return repository.list_members(session, team_id=actor.team_id, active_only=active_only)


def acting_member(session: Session, *, team: Team, email: str | None) -> User:
    """Who a command acts as in a team: the active member with this email, else (no email) the
    team's first admin. The command's writes are recorded as theirs."""
    if email is None:
        admins = repository.active_admin_ids(session, team_id=team.id)
        if not admins:
            raise NotFound(f"team {team.name!r} has no active admin: name a member with --user")
        user = repository.get_member(session, team_id=team.id, user_id=min(admins))
    else:
        user = repository.user_by_email(session, normalize_email(email))
        if user is not None and (user.team_id != team.id or not user.is_active):
            user = None
    if user is None:
        raise NotFound(f"{email} is not an active member of {team.name!r}")
    return user


def page_users(
    session: Session, *, actor: User, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Page[User]:
    """One page of the team's active users, in id order (the API's list)."""
    stmt = repository.members(actor.team_id, active_only=True)
    return paginate(session, stmt, id_column=User.id, limit=limit, cursor=cursor)


def create_token(session: Session, *, user: User, label: str = "") -> tuple[ApiToken, str]:
    """A new API token; the secret is returned once and only its hash is stored."""
    secret = security.new_token()
    token = ApiToken(
        user_id=user.id,
        label=plain_text(label, field="label", max_length=NAME_MAX),
        token_hash=security.hash_token(secret),
        prefix=secret[:10],
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=user,
        team_id=user.team_id,
        action="create",
        entity_type="api_token",
        entity_id=token.id,
        after={"label": token.label, "prefix": token.prefix},
    )
    return token, secret


def list_tokens(session: Session, *, user: User) -> list[ApiToken]:
    return repository.list_tokens(session, user_id=user.id)


def page_tokens(
    session: Session, *, user: User, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> Page[ApiToken]:
    """One page of the user's tokens, in id order (the API's list)."""
    stmt = repository.tokens_of(user.id)
    return paginate(session, stmt, id_column=ApiToken.id, limit=limit, cursor=cursor)


def revoke_token(session: Session, *, user: User, token_id: int) -> None:
    token = repository.get_token(session, user_id=user.id, token_id=token_id)
    if token is None:
        raise NotFound(f"token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = now()
        audit.record(
            session,
            actor=user,
            team_id=user.team_id,
            action="revoke",
            entity_type="api_token",
            entity_id=token.id,
        )


def authenticate_token(session: Session, secret: str, *, write: bool) -> User:
    """The active user of a live API token; else 401. A write request records the token's use,
    at most once per LAST_USED_PRECISION so that reads stay reads."""
    found = repository.token_user(session, security.hash_token(secret))
    if found is None:
        raise Unauthorized("the API token is not valid")
    user, token_id, revoked_at, last_used_at = found
    if revoked_at is not None or not user.is_active:
        raise Unauthorized("the API token is not valid")
    moment = now()
    if write and (last_used_at is None or moment - last_used_at > LAST_USED_PRECISION):
        repository.touch_token(session, token_id=token_id, at=moment)
    return user


def set_role(session: Session, *, actor: User, user_id: int, role: Role) -> User:
    """Make a team member an admin or a member (admins only); a team keeps at least one admin."""
    if actor.role != Role.admin:
        raise Forbidden("only an admin can change roles")
    user = repository.get_member(session, team_id=actor.team_id, user_id=user_id)
    if user is None:
        raise NotFound(f"no team member with id {user_id}")
    role = Role(role)
    if (
        user.role == Role.admin
        and role != Role.admin
        and repository.active_admin_ids(session, team_id=actor.team_id) == [user.id]
    ):
        raise Conflict("a team needs at least one admin: make someone else admin first")
    before = {"role": user.role}
    user.role = role.value
    session.flush()
    audit.record(
        session,
        actor=actor,
        team_id=actor.team_id,
        action="update",
        entity_type="user",
        entity_id=user.id,
        before=before,
        after={"role": user.role},
    )
    return user


def change_password(
    session: Session,
    *,
    user: User,
    current_password: str,
    new_password: str,
    keep_session: str | None = None,
) -> None:
    """Change your own password. Every other web session of yours ends (one opened with the old
    password by someone else is the reason to change it); `keep_session`, the caller's own, goes
    on."""
    if not security.verify_password(user.password_hash, current_password):
        raise Invalid.on("current_password", "is not your current password")
    _check_password("new_password", new_password)
    user.password_hash = security.hash_password(new_password)
    sessions.end_sessions(session, user_id=user.id, keep=keep_session)
    session.flush()
    audit.record(
        session,
        actor=user,
        team_id=user.team_id,
        action="update",
        entity_type="user",
        entity_id=user.id,
        after={"password": "changed"},
    )


def remove_user(session: Session, *, actor: User, user_id: int) -> None:
    """Remove a member from the team (admins only): they can no longer sign in, their web
    sessions end and their API tokens are revoked. The user is deactivated, not deleted: what
    they logged keeps its author."""
    if actor.role != Role.admin:
        raise Forbidden("only an admin can remove team members")
    user = repository.get_member(session, team_id=actor.team_id, user_id=user_id)
    if user is None:
        raise NotFound(f"no team member with id {user_id}")
    if user.id == actor.id:
        raise Conflict("you cannot remove yourself: ask another admin")
    sessions.end_sessions(session, user_id=user.id)
    repository.revoke_tokens_of(session, user_id=user.id, at=now())
    if not user.is_active:
        return
    user.is_active = False
    session.flush()
    audit.record(
        session,
        actor=actor,
        team_id=actor.team_id,
        action="remove",
        entity_type="user",
        entity_id=user.id,
        before={"is_active": True},
        after={"is_active": False},
    )
