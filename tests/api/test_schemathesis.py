"""Schema-driven fuzzing of the API over real HTTP (SPEC §6: no 5xx, every answer as documented).

Schemathesis reads /api/openapi.json and, for every operation, sends the schema's boundary
values (its coverage phase) and random requests, valid and invalid (its fuzzing phase), signed
in as an admin of a team that owns one of everything. Every answer must be a non-5xx whose
status code, content type, headers and body are those the OpenAPI document declares.

The default budget keeps both databases to well under a minute in CI. For a deep run:
`REACHOUT_FUZZ_EXAMPLES=200 REACHOUT_FUZZ_DEEP=1 python -m pytest tests/api`, which also sends
the coverage phase's invalid values (a few thousand requests per database) and draws new
random cases on every run instead of the same ones.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import BaseSchema, Case, HookContext
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from reachout.db import Database
from reachout.models import ApiToken
from tests.conftest import LiveServer
from tests.factories import World
from tests.security.holdings import make_holdings

MAX_EXAMPLES = int(os.environ.get("REACHOUT_FUZZ_EXAMPLES", "5"))
DEEP = os.environ.get("REACHOUT_FUZZ_DEEP", "") not in ("", "0")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Instants and days at the edges of what Python and the databases hold (years 1 and 9999,
# offsets of +/-14 h), at the edges of what the product accepts (1900 and 2199), and anywhere
# between: the defaults of hypothesis stay near the present and never reach them.
OFFSETS = [timezone(timedelta(hours=h)) for h in (14, -14, 5, -12)] + [UTC]
EDGE_DAYS = [date(1, 1, 1), date(1899, 12, 31), date(1900, 1, 1), date(2199, 12, 31)]
EDGE_DAYS += [date(2200, 1, 1), date(9999, 12, 31)]
EDGE_INSTANTS = [datetime.combine(d, datetime.min.time()) for d in EDGE_DAYS] + [
    datetime(9999, 12, 31, 23, 59, 59, 999999),
    datetime(2199, 12, 31, 23, 59, 59, 999999),
]
INSTANTS = st.one_of(
    st.builds(
        lambda moment, zone: moment.replace(tzinfo=zone).isoformat(),
        st.sampled_from(EDGE_INSTANTS) | st.datetimes(),
        st.sampled_from(OFFSETS),
    ),
    st.datetimes().map(datetime.isoformat),  # no offset: UTC (SPEC §4)
)
DAYS = (st.sampled_from(EDGE_DAYS) | st.dates()).map(date.isoformat)
schemathesis.openapi.format("date-time", INSTANTS)
schemathesis.openapi.format("date", DAYS)


def fuzz_config(base_url: str, token: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "base-url": base_url,
            "headers": {"Authorization": f"Bearer {token}"},
            "generation": {
                "mode": "all",
                "max-examples": MAX_EXAMPLES,
                "deterministic": not DEEP,
            },
            "phases": {
                # Invalid values per field and type mostly exercise pydantic, and are two
                # thirds of the coverage phase's requests: the fuzzing phase sends invalid
                # requests too, so CI keeps only the valid boundary values.
                "coverage": {"generation": {"mode": "all" if DEEP else "positive"}},
                # Links between operations are not declared; random ids do that job here.
                "stateful": {"enabled": False},
            },
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
        }
    )


@pytest.fixture
def api_schema(live_server: LiveServer, db: Database, world: World) -> BaseSchema:
    with db.unit_of_work() as s:
        holdings = make_holdings(s, team=world.team, admin=world.admin.user)
        own_token_id = s.scalar(select(ApiToken.id).where(ApiToken.user_id == world.admin.id))
    config = fuzz_config(live_server.url, world.admin.token)
    loaded = schemathesis.openapi.from_url(live_server.url + "/api/openapi.json", config=config)

    @loaded.hook("map_path_parameters")
    def known_ids(context: HookContext, path_parameters: dict[str, Any] | None) -> Any:
        # Half the ids name a row of the team, so that answers other than 404 are checked too;
        # and the token the fuzzer calls with is never revoked (every later call would be 401).
        for name, value in (path_parameters or {}).items():
            if not isinstance(value, int) or name not in holdings.ids:
                continue
            if value % 2 == 0 or (name == "token_id" and value == own_token_id):
                path_parameters[name] = holdings[name]  # type: ignore[index]
        return path_parameters

    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_the_api_answers_as_its_schema_says(case: Case) -> None:
    case.call_and_validate(checks=CHECKS)
