"""Shared by the candidate and project API tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import Actor


def create(client: httpx.Client, actor: Actor, **body: Any) -> dict[str, Any]:
    """A candidate made over the API (name: Jane Doe unless given)."""
    r = client.post("/candidates", json={"name": "Jane Doe", **body}, headers=actor.headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]
