"""The ASGI application: `create_app(settings)` builds it; nothing happens at import time."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from reachout import problems
from reachout.config import Settings
from reachout.db import Database


def api_router() -> APIRouter:
    from reachout.candidates.api import router as candidates
    from reachout.projects.api import router as projects
    from reachout.stats.api import router as stats
    from reachout.teams.api import router as teams
    from reachout.touchpoints.api import router as touchpoints
    from reachout.users.api import router as users

    root = APIRouter(prefix="/api/v1")
    for router in (users, teams, candidates, projects, touchpoints, stats):
        root.include_router(router)
    return root


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Reachout",
        version="1",
        description="The ledger of every recruiting touchpoint, and the statistics built on it.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db or Database(settings)
    problems.install(app)
    app.include_router(api_router())

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
