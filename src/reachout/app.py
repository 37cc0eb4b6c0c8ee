"""The ASGI application: `create_app(settings)` builds it; nothing happens at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from reachout import extension, health, problems, routing
from reachout.candidates import api as candidates_api
from reachout.candidates import membership_api, profile
from reachout.candidates import pages as candidates_pages
from reachout.config import Settings
from reachout.db import Database
from reachout.kit.body_limit import BodyLimit
from reachout.mailbox import api as mailbox_api
from reachout.mailbox import pages as mailbox_pages
from reachout.observability import app as observability
from reachout.projects import api as projects_api
from reachout.projects import pages as projects_pages
from reachout.sequences import api as sequences_api
from reachout.sequences import editor_pages as sequences_editor
from reachout.sequences import pages as sequences_pages
from reachout.sequences import rows as sequence_rows
from reachout.sequences import tasks_pages
from reachout.sequences import worker as sequences_worker
from reachout.stats import api as stats_api
from reachout.stats import pages as stats_pages
from reachout.teams import api as teams_api
from reachout.teams import pages as teams_pages
from reachout.touchpoints import api as touchpoints_api
from reachout.touchpoints import followups_pages
from reachout.touchpoints import pages as touchpoints_pages
from reachout.transfer import export_api, export_pages, import_api, import_pages
from reachout.users import api as users_api
from reachout.users import pages as users_pages
from reachout.users.service import authenticate_token
from reachout.users.sessions import session_user
from reachout.web import errors as web_errors
from reachout.web.route import make_templates
from reachout.web.session import load_secret_key

log = logging.getLogger("reachout")

# Where files are uploaded (to be imported): their bodies may be larger than other requests'.
IMPORT_PATHS = ("/api/v1/imports/", "/candidates/import")

STATIC_DIR = Path(__file__).resolve().parent / "static"


def api_router() -> APIRouter:
    root = APIRouter(prefix="/api/v1")
    # Touchpoints first: a request is matched against the routes in this order, and logging
    # is what the API is called for most, so it should not walk past every other route.
    for api in (
        touchpoints_api,
        candidates_api,
        projects_api,
        membership_api,
        stats_api,
        import_api,
        export_api,
        sequences_api,
        mailbox_api,
        users_api,
        teams_api,
    ):
        root.include_router(api.router)
    return root


def pages_router() -> APIRouter:
    root = APIRouter(include_in_schema=False)
    for pages in (
        users_pages,
        extension,
        teams_pages,
        mailbox_pages,
        # Before the candidates' own pages: /candidates/import and /candidates/export are not
        # a candidate's id.
        import_pages,
        export_pages,
        candidates_pages,
        profile,
        projects_pages,
        touchpoints_pages,
        followups_pages,
        stats_pages,
        sequences_editor,
        sequences_pages,
        tasks_pages,
    ):
        root.include_router(pages.router)
    wire_pages()
    return root


def wire_pages() -> None:
    """Hand the pages of lower domains what higher ones add to them: a domain never imports
    one built on it, so the profile, the timeline and the Settings page are given these here."""
    profile.PROFILE_EXTRAS["sequences"] = sequence_rows.profile_section
    touchpoints_pages.TIMELINE_EXTRAS["sequences"] = sequence_rows.timeline_names
    touchpoints_pages.TIMELINE_EXTRAS["mailbox"] = mailbox_pages.timeline_suggestions
    users_pages.SETTINGS_EXTRAS["mailbox"] = mailbox_pages.settings_section


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:

    # Read the session secret once at start-up. A database that is not migrated yet is no
    # reason not to start: the first page then reads it (load_secret_key is lazy too).
    try:
        await run_in_threadpool(load_secret_key, app, app.state.db)
    except SQLAlchemyError as exc:
        log.warning("session secret not loaded at start-up: %s", exc)
    worker = None
    if app.state.settings.run_worker:
        # `reachout serve` without --no-worker: this process sends sequences' mail too.
        thread, worker = sequences_worker.start_in_thread(app.state.db, app.state.settings)
    yield
    if worker is not None:
        worker.stop.set()
        await run_in_threadpool(thread.join, sequences_worker.STOP_SECONDS)
    observability.stopping()


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> FastAPI:

    settings = settings or Settings()
    app = FastAPI(
        title="Reachout",
        version="1",
        description="The ledger of every recruiting touchpoint, and the statistics built on it.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db or Database(settings)
    app.state.templates = make_templates()
    problems.install(app)
    web_errors.install(app, signed_in=session_user)
    routing.install(app, authenticate=authenticate_token)
    uploads = {path: settings.max_import_bytes for path in IMPORT_PATHS}
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes, larger=uploads)
    observability.install(app, db=app.state.db, metrics_on=bool(settings.metrics_token))
    app.include_router(api_router())
    app.include_router(pages_router())
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    health.install(app)
    if settings.trusted_proxies:
        # The app applies it, not `uvicorn.run`, so that it holds however the app is served.
        # Added last, it is outermost: everything inside sees the client's scheme and address.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    return app
