"""Shared by the candidate and project API tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import Actor


def assert_problem(r: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem with this status, naming `field` among its errors when given."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"]
    if field is not None:
        assert field in [e.get("field") for e in body["errors"]], body
    return body


def create(client: httpx.Client, actor: Actor, **body: Any) -> dict[str, Any]:
    """A candidate made over the API (name: Jane Doe unless given)."""
    r = client.post("/candidates", json={"name": "Jane Doe", **body}, headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]
