from __future__ import annotations

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.orm import Session

from reachout.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRead
from reachout.kit.security import new_password
from reachout.models import User
from reachout.problems import PROBLEM_RESPONSES
from reachout.routing import ApiRoute, get_session
from reachout.users import service
from reachout.users.auth import current_user
from reachout.users.schemas import (
    MeRead,
    PasswordChange,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserCreate,
    UserCreated,
    UserRead,
)

router = APIRouter(tags=["users"], route_class=ApiRoute, responses=PROBLEM_RESPONSES)


@router.get("/me", response_model=MeRead)
def get_me(user: User = Depends(current_user)) -> User:
    """The signed-in user and their team."""
    return user


@router.put("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(
    body: PasswordChange,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> None:
    """Change your password; every web session of yours ends (API tokens go on working)."""
    service.change_password(
        session,
        user=user,
        current_password=body.current_password,
        new_password=body.new_password,
    )


@router.get("/users", response_model=PageRead[UserRead])
def list_users(
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> PageRead[UserRead]:
    """The members of your team, oldest first."""
    page = service.page_users(session, actor=user, limit=limit, cursor=cursor)
    items = [UserRead.model_validate(u) for u in page.items]
    return PageRead[UserRead](items=items, next_cursor=page.next_cursor)


@router.post("/users", response_model=UserCreated, status_code=status.HTTP_201_CREATED)
def add_user(
    body: UserCreate,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> UserCreated:
    """Add a member to your team (admins only)."""
    password = body.password or new_password()
    created = service.add_user(
        session,
        team=user.team,
        email=body.email,
        name=body.name,
        role=body.role,
        password=password,
        actor=user,
    )
    return UserCreated(
        **UserRead.model_validate(created).model_dump(),
        password=None if body.password else password,
    )


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_user(
    user_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> None:
    """Remove a member of your team (admins only): their sessions end, their tokens stop."""
    service.remove_user(session, actor=user, user_id=user_id)


@router.get("/tokens", response_model=PageRead[TokenRead])
def list_tokens(
    limit: int = Query(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
    cursor: str | None = None,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> PageRead[TokenRead]:
    """Your API tokens, oldest first (their secrets are never shown again)."""
    page = service.page_tokens(session, user=user, limit=limit, cursor=cursor)
    items = [TokenRead.model_validate(t) for t in page.items]
    return PageRead[TokenRead](items=items, next_cursor=page.next_cursor)


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(
    body: TokenCreate,
    user: User = Depends(current_user),
    session: Session = Depends(get_session),
) -> TokenCreated:
    """Create an API token; its secret is in this answer only."""
    token, secret = service.create_token(session, user=user, label=body.label)
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(
    token_id: int, user: User = Depends(current_user), session: Session = Depends(get_session)
) -> None:
    """Revoke one of your API tokens."""
    service.revoke_token(session, user=user, token_id=token_id)
