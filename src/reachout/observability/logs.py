"""Log lines on stdout, one per record: JSON (the default, for a log shipper) or plain text.

Every record of a request carries its request id; a request's own line (`requests.RequestLog`)
carries its fields, which never include tokens, passwords, cookies, query strings or bodies.
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any, Literal

from reachout.observability.requests import current_request_id

LogFormat = Literal["json", "text"]


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] | None = getattr(record, "fields", None)
    if fields is not None:
        return fields
    request_id = current_request_id()
    return {"request_id": request_id} if request_id is not None else {}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger message key=value ...`, for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = " ".join(f"{k}={v}" for k, v in _fields(record).items() if v is not None)
        return f"{text} {fields}" if fields else text


def logging_config(log_format: LogFormat) -> dict[str, Any]:
    """A `logging.config.dictConfig` for a server or worker process: everything on stdout in
    one format, uvicorn's own lines included (its access log is replaced by ours)."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    stdout = {"handlers": ["stdout"], "level": "INFO", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "stream": "ext://sys.stdout",
            }
        },
        "loggers": {
            "reachout": stdout,
            "uvicorn": stdout,
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
        # Warnings of other libraries only: SQLAlchemy logs every statement at INFO.
        "root": {"handlers": ["stdout"], "level": "WARNING"},
    }


def configure_logging(log_format: LogFormat) -> None:
    logging.config.dictConfig(logging_config(log_format))
