"""Sign-in, sign-out and the settings page (API tokens, team members, the team)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from reachout.db import Database
from reachout.errors import ReachoutError, TooManyRequests
from reachout.kit.security import new_password
from reachout.kit.time import time_zone_names
from reachout.models import User
from reachout.models.enums import Role
from reachout.routing import get_session
from reachout.users import service, sessions, signin
from reachout.users.auth import page_user
from reachout.web.route import PageRoute, render, web_session_of

# What domains built on this one show on the Settings page (the user's mailbox), by name: they
# cannot be asked from here, so app.py hands them in (`app.wire_pages`).
SettingsExtra = Callable[[Session, User], dict[str, Any]]
SETTINGS_EXTRAS: dict[str, SettingsExtra] = {}

router = APIRouter(route_class=PageRoute)


def _safe_next(target: str | None) -> str:
    """Only a path of this site: `next=https://evil.example` must not redirect away."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/candidates"


@router.get("/")
def home() -> Response:
    return RedirectResponse("/candidates", status_code=303)


@router.get("/sign-in")
def sign_in_form(
    request: Request, next: str | None = None, session: Session = Depends(get_session)
) -> Response:
    web_session = web_session_of(request)
    if web_session.secret is not None:
        if sessions.session_user(session, secret=web_session.secret) is not None:
            return RedirectResponse(_safe_next(next), status_code=303)
        # An ended or expired session: the cookie is reset, and the form shown (redirecting
        # would send the browser back here).
        web_session.sign_out()
    return render(request, "sign_in.html", {"next": _safe_next(next), "email": ""})


@router.post("/sign-in")
def sign_in(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/candidates"),
) -> Response:
    """Checked in a transaction of its own: a failure must be stored even though it is refused."""
    db: Database = request.app.state.db
    ip = request.client.host if request.client else "unknown"
    context: dict[str, Any] = {"next": _safe_next(next), "email": email}
    web_session = web_session_of(request)
    secret: str | None = None
    try:
        with db.unit_of_work() as session:
            user = signin.sign_in(session, email=email, password=password, ip=ip)
            if user is not None:
                if web_session.secret is not None:
                    # Signing in again (as anyone) ends the session the cookie had.
                    sessions.end_session(session, secret=web_session.secret)
                secret = sessions.start_session(session, user_id=user.id)
    except TooManyRequests as exc:
        context["error"] = exc.detail.capitalize() + "."
        return render(request, "sign_in.html", context, status=429)
    if secret is None:
        context["error"] = "Wrong email or password."
        return render(request, "sign_in.html", context, status=401)
    web_session.sign_in(secret)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/sign-out")
def sign_out(request: Request, session: Session = Depends(get_session)) -> Response:
    """Ends the session in the database: a copy of the cookie signs nobody in afterwards."""
    web_session = web_session_of(request)
    if web_session.secret is not None:
        sessions.end_session(session, secret=web_session.secret)
    web_session.sign_out()
    return RedirectResponse("/sign-in", status_code=303)


def render_settings(
    request: Request,
    session: Session,
    user: User,
    *,
    status: int = 200,
    **context: Any,
) -> Response:
    """The settings page; `context` carries what one form just did (a secret shown once, an
    error)."""
    full = {
        "tokens": service.list_tokens(session, user=user),
        "members": service.list_users(session, actor=user, active_only=True),
        "time_zones": sorted(time_zone_names()),
        "roles": list(Role),
        # What the browser extension's options ask for (Get the browser extension).
        "server_url": str(request.base_url).rstrip("/"),
    }
    for section in SETTINGS_EXTRAS.values():
        full.update(section(session, user))
    full.update(context)
    return render(request, "settings.html", full, user=user, status=status)


@router.get("/settings")
def settings_page(
    request: Request,
    saved: str | None = None,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    return render_settings(request, session, user, saved=saved)


@router.post("/settings/tokens")
def create_token(
    request: Request,
    label: str = Form(""),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    token, secret = service.create_token(session, user=user, label=label[:200])
    return render_settings(request, session, user, new_token=secret, new_token_label=token.label)


@router.post("/settings/tokens/{token_id}/revoke")
def revoke_token(
    token_id: int, user: User = Depends(page_user), session: Session = Depends(get_session)
) -> Response:
    service.revoke_token(session, user=user, token_id=token_id)
    return RedirectResponse("/settings?saved=token", status_code=303)


@router.post("/settings/members")
def add_member(
    request: Request,
    email: str = Form(""),
    name: str = Form(""),
    role: Role = Form(Role.member),
    password: str = Form(""),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    secret = password or new_password()
    try:
        member = service.add_user(
            session,
            team=user.team,
            email=email,
            name=name or None,
            role=role,
            password=secret,
            actor=user,
        )
    except ReachoutError as exc:
        return render_settings(
            request,
            session,
            user,
            status=exc.status,
            member_error=exc.detail,
            member_form={"email": email, "name": name, "role": role},
        )
    shown = {"email": member.email, "password": None if password else secret}
    return render_settings(request, session, user, new_member=shown)


@router.post("/settings/members/{member_id}/role")
def set_role(
    request: Request,
    member_id: int,
    role: Role = Form(...),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    try:
        service.set_role(session, actor=user, user_id=member_id, role=role)
    except ReachoutError as exc:
        return render_settings(request, session, user, status=exc.status, role_error=exc.detail)
    return RedirectResponse("/settings?saved=members", status_code=303)


@router.post("/settings/password")
def change_password(
    request: Request,
    current_password: str = Form(""),
    new_password: str = Form(""),
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    """Your other sessions end; this one goes on."""
    try:
        service.change_password(
            session,
            user=user,
            current_password=current_password,
            new_password=new_password,
            keep_session=web_session_of(request).secret,
        )
    except ReachoutError as exc:
        return render_settings(request, session, user, status=exc.status, password_error=exc.detail)
    return RedirectResponse("/settings?saved=password", status_code=303)


@router.post("/settings/members/{member_id}/remove")
def remove_member(
    request: Request,
    member_id: int,
    user: User = Depends(page_user),
    session: Session = Depends(get_session),
) -> Response:
    try:
        service.remove_user(session, actor=user, user_id=member_id)
    except ReachoutError as exc:
        return render_settings(request, session, user, status=exc.status, role_error=exc.detail)
    return RedirectResponse("/settings?saved=members", status_code=303)
