"""The API stays closed to other origins (SPEC §8): the extension's service worker calls it with
host permissions, which need no CORS, so the app sends no CORS headers and a web page of
another origin cannot read an answer, even with a token it has somehow obtained."""

from __future__ import annotations

import httpx

from tests.factories import World


def test_no_cors_headers_for_another_origin(client: httpx.Client, world: World) -> None:
    origin = {"Origin": "https://evil.example"}
    preflight = client.options(
        "/candidates",
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-headers" not in preflight.headers
    answer = client.get("/candidates", headers={**origin, **world.member.headers})
    assert answer.status_code == 200
    assert not [h for h in answer.headers if h.lower().startswith("access-control-")]
    linkedin = {"Origin": "https://www.linkedin.com"}
    answer = client.get("/candidates", headers={**linkedin, **world.member.headers})
    assert "access-control-allow-origin" not in answer.headers
