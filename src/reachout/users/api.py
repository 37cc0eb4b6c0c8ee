from __future__ import annotations

from fastapi import APIRouter, Depends, status
from sqlalchemy.orm import Session

from reachout.auth import current_user
from reachout.kit.security import new_password
from reachout.models import User
from reachout.problems import PROBLEM_RESPONSES
from reachout.routing import ApiRoute, get_session
from reachout.users import service
from reachout.users.schemas import (
    MeRead,
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


@router.get("/users", response_model=list[UserRead])
def list_users(
    user: User = Depends(current_user), session: Session = Depends(get_session)
) -> list[User]:
    """The members of your team."""
    return service.list_users(session, actor=user)


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


@router.get("/tokens", response_model=list[TokenRead])
def list_tokens(
    user: User = Depends(current_user), session: Session = Depends(get_session)
) -> list[TokenRead]:
    """Your API tokens (their secrets are never shown again)."""
    return [TokenRead.model_validate(t) for t in service.list_tokens(session, user=user)]


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
