"""The app in process with the request log captured as its JSON lines, and metrics on."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reachout.app import create_app
from reachout.db import Database
from reachout.observability.logs import JsonFormatter

METRICS_TOKEN = "metrics-token-for-the-tests"


class Logs:
    """What the app logged, as the JSON lines `reachout serve` writes to stdout."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]

    def requests(self) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line["logger"] == "reachout.requests"]


@pytest.fixture
def logs() -> Iterator[Logs]:
    captured = Logs()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("reachout")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield captured
    logger.removeHandler(handler)
    logger.setLevel(level)


def make_app(db: Database, *, metrics_token: str | None = METRICS_TOKEN) -> FastAPI:
    return create_app(db.settings.model_copy(update={"metrics_token": metrics_token}), db=db)


@pytest.fixture
def http(db: Database) -> Iterator[TestClient]:
    """The app, with metrics on; server errors are answered (500), not raised in the test."""
    with TestClient(make_app(db), raise_server_exceptions=False) as client:
        yield client
