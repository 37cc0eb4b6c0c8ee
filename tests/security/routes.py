"""The app's route table, read the way the security tests need it.

The tests are generated from here, so a route added later is covered without anyone listing it:
every path parameter must be one of the ids below, and a route that needs more input than its
path (a body, a required form field or query parameter) must have a minimal valid request in
`REQUESTS`, or the tests fail and say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount, Route

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # FastAPI before lazily included routers: app.routes is flat
    iter_route_contexts = None  # type: ignore[assignment]

from reachout.routing import SAFE_METHODS
from tests.conftest import LiveServer
from tests.factories import PASSWORD
from tests.security.holdings import Holdings

# Path parameters that name a row of a team, filled from a team's holdings.
TEAM_IDS = frozenset(
    {
        "candidate_id",
        "project_id",
        "touchpoint_id",
        "batch_id",
        "user_id",
        "member_id",
        "token_id",
        "sequence_id",
        "enrollment_id",
        "task_id",
    }
)
# Mounted apps that serve nothing of any team's (the files shipped with the app).
PUBLIC_MOUNTS = frozenset({"/static"})

Extras = Callable[[Holdings], dict[str, Any]]

GEM_HEADER = (
    b"timestamp,user_name,user_email,candidate_id,candidate_greenhouse_id,candidate_first_name,"
    b"candidate_last_name,candidate_email,event_type,event_subtype,event_metadata\n"
)

# The smallest request each route accepts besides its path, built from the caller's own
# holdings so that it is valid for the caller: a refusal can then only come from the path.
# Keys: "json" (API body), "form" (page form), "params" (query string), "files" (an upload,
# with "form": multipart) and "content" (an API body that is not JSON).
REQUESTS: dict[str, Extras] = {
    "PATCH /api/v1/candidates/{candidate_id}": lambda h: {"json": {"title": "Engineer"}},
    "PATCH /api/v1/projects/{project_id}": lambda h: {"json": {"description": "Hiring"}},
    "POST /api/v1/projects/{project_id}/candidates": lambda h: {
        "json": {"candidate_ids": [h["candidate_id"]]}
    },
    "DELETE /api/v1/projects/{project_id}/candidates": lambda h: {
        "json": {"candidate_ids": [h["candidate_id"]]}
    },
    "PATCH /api/v1/touchpoints/{touchpoint_id}": lambda h: {"json": {"note": "Called back"}},
    "PATCH /api/v1/sequences/{sequence_id}": lambda h: {"json": {"name": "Renamed"}},
    "POST /api/v1/sequences/{sequence_id}/enrollments": lambda h: {
        "json": {"candidate_ids": [h["candidate_id"]]}
    },
    "POST /api/v1/tasks/{task_id}/complete": lambda h: {"json": {"note": "Called"}},
    "POST /api/v1/projects/{project_id}/touchpoints/bulk": lambda h: {
        "json": {"all": True, "channel": "text"}
    },
    "GET /candidates/{candidate_id}/timeline": lambda h: {"params": {"before": h["touchpoint_id"]}},
    "POST /candidates/{candidate_id}/touchpoints": lambda h: {
        "form": {"channel": "call", "activity": "auto"}
    },
    "POST /touchpoints/{touchpoint_id}": lambda h: {
        "form": {"channel": "call", "activity": "auto", "note": "Edited"}
    },
    "POST /projects/{project_id}/touchpoints/bulk": lambda h: {
        "form": {"channel": "text", "activity": "auto", "all": "true"}
    },
    "POST /settings/members/{member_id}/role": lambda h: {"form": {"role": "member"}},
    "POST /candidates": lambda h: {"form": {"name": "Ada Lovelace"}},
    "POST /candidates/add-to-project": lambda h: {
        "form": {"project_id": h["project_id"], "candidate_ids": h["candidate_id"]}
    },
    "POST /projects/{project_id}/candidates/remove": lambda h: {
        "form": {"candidate_ids": h["candidate_id"]}
    },
    "POST /candidates/{candidate_id}/projects": lambda h: {"form": {"project_id": h["project_id"]}},
    "POST /candidates/{candidate_id}/edit": lambda h: {"form": {"name": "Ada Lovelace"}},
    "POST /projects": lambda h: {"form": {"name": "Analytical engines"}},
    "POST /api/v1/imports/touchpoints": lambda h: {"params": {"format": "gem"}},
    "POST /candidates/import": lambda h: {
        "form": {"action": "preview"},
        "files": {"file": ("people.csv", b"Name,Email\nAda,ada@example.org\n", "text/csv")},
    },
    "POST /candidates/import/history": lambda h: {
        "form": {"action": "preview"},
        "files": {"file": ("event_log.csv", GEM_HEADER, "text/csv")},
    },
    "POST /settings/tokens": lambda h: {"form": {"label": "laptop"}},
    "POST /settings/members": lambda h: {
        "form": {"email": "grace@example.com", "password": "a long password"}
    },
    "POST /settings/team": lambda h: {"form": {"time_zone": "Europe/Paris"}},
    "POST /settings/sending-hours": lambda h: {
        "form": {"days": "mon", "start": "08:00", "end": "18:00", "daily_send_cap": "200"}
    },
    # Nothing listens on port 1: Test connection, if it follows, is refused at once.
    "POST /settings/mailbox": lambda h: {
        "form": {
            "host": "127.0.0.1",
            "port": "1",
            "tls": "none",
            "username": "recruiter",
            "password": "app-password",
        }
    },
    # The holdings' touchpoint is an outreach: "no status" is the one it may be given.
    "POST /touchpoints/{touchpoint_id}/reply-status": lambda h: {"form": {"reply_status": ""}},
    # The password it has: changed, and still the one the tests sign in with.
    "POST /settings/password": lambda h: {
        "form": {"current_password": PASSWORD, "new_password": PASSWORD}
    },
    "POST /sequences/new": lambda h: {
        "form": {"name": "Outreach", "channel": "call", "instructions": "Call {{first_name}}"}
    },
    "POST /sequences/{sequence_id}/edit": lambda h: {
        "form": {"name": "Outreach", "channel": "call", "instructions": "Call {{first_name}}"}
    },
    "POST /sequences/preview": lambda h: {
        "form": {
            "channel": "email",
            "subject": "Hi {{first_name}}",
            "body": "Hello",
            "candidate_id": h["candidate_id"],
        }
    },
    "POST /projects/{project_id}/add-to-sequence": lambda h: {
        "form": {"sequence_id": h["sequence_id"], "all": "true"}
    },
    # Wrong credentials: accepted past the CSRF check, the form is then answered 401.
    "POST /sign-in": lambda h: {"form": {"email": "nobody@example.com", "password": "not it"}},
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    params: tuple[str, ...]
    dependant: Dependant | None

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def is_safe(self) -> bool:
        return self.method in SAFE_METHODS

    def url(self, holdings: Holdings) -> str:
        return self.path.format(**{name: holdings[name] for name in self.params})

    def required_inputs(self) -> list[str]:
        """What the route cannot answer without, besides its path parameters."""
        return _required(self.dependant) if self.dependant else []

    def inputs(self, where: str) -> list[str]:
        """The names of the route's `body` (form or JSON) or `query` parameters."""
        return _inputs(self.dependant, where) if self.dependant else []

    def extras(self, holdings: Holdings) -> dict[str, Any]:
        build = REQUESTS.get(self.key)
        return build(holdings) if build else {}


def _required(dependant: Dependant) -> list[str]:
    fields = (*dependant.body_params, *dependant.query_params, *dependant.header_params)
    names = [f.name for f in fields if f.field_info.is_required()]
    return names + [n for sub in dependant.dependencies for n in _required(sub)]


def _inputs(dependant: Dependant, where: str) -> list[str]:
    fields = dependant.body_params if where == "body" else dependant.query_params
    names = [f.alias for f in fields]
    return names + [n for sub in dependant.dependencies for n in _inputs(sub, where)]


def _routes(app: FastAPI) -> list[tuple[BaseRoute, Any]]:
    """(route, where it is served): an included router's route, with its prefix, is resolved
    lazily by recent FastAPI versions, which `app.routes` lists as the router itself."""
    if iter_route_contexts is None:
        return [(route, route) for route in app.routes]
    return [(c.original_route, c) for c in iter_route_contexts(app.routes)]


def served_app(live_server: LiveServer) -> FastAPI:
    """The app the live server serves: its route table is the one under test."""
    app = live_server.server.config.app
    assert isinstance(app, FastAPI)
    return app


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every method of every route of the app (HEAD is GET's)."""
    out = []
    for route, served in _routes(app):
        if isinstance(route, Mount):
            assert served.path in PUBLIC_MOUNTS, f"what does the mount {served.path} serve?"
            continue
        assert isinstance(route, Route), f"a route of an unknown kind: {route!r}"
        params = tuple(served.param_convertors)
        dependant = route.dependant if isinstance(route, APIRoute) else None
        for method in sorted((served.methods or set()) - {"HEAD"}):
            out.append(Endpoint(method, served.path_format, params, dependant))
    return out


def problems_of(endpoint: Endpoint) -> list[str]:
    """Why the tests could not call this endpoint as they must (empty: they can)."""
    unknown = [p for p in endpoint.params if p not in TEAM_IDS]
    if unknown:
        return [f"{endpoint.key}: no team id to put in path parameter(s) {unknown}"]
    if endpoint.required_inputs() and endpoint.key not in REQUESTS:
        needs = endpoint.required_inputs()
        return [f"{endpoint.key}: needs {needs}; add a minimal valid request to REQUESTS"]
    return []
