"""The text format: the same fields, as key=value."""

from __future__ import annotations

import logging

from reachout.observability.logs import TextFormatter, logging_config


def test_a_request_line_in_text_has_its_fields() -> None:
    record = logging.LogRecord(
        "reachout.requests", logging.INFO, __file__, 1, "GET %s %d", ("/x", 200), None
    )
    record.fields = {"request_id": "abc", "route": "/x", "status": 200, "user_id": None}
    line = TextFormatter().format(record)
    assert line.endswith("INFO reachout.requests GET /x 200 request_id=abc route=/x status=200")


def test_the_config_turns_uvicorns_access_log_off() -> None:
    config = logging_config("json")
    assert config["loggers"]["uvicorn.access"]["handlers"] == []
    assert config["formatters"]["line"]["()"] == "reachout.observability.logs.JsonFormatter"
