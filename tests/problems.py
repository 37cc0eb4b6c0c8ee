"""The one check of the API's error shape (SPEC §4, RFC 9457), shared by every API test."""

from __future__ import annotations

from typing import Any

import httpx

PROBLEM_FIELDS = {"type", "title", "status", "detail"}
ERROR_KEYS = {"field", "id", "message"}


def problem_failures(response: httpx.Response, status: int) -> list[str]:
    """What is wrong with `response` as a problem+json answer with this status (empty: nothing).

    A problem is an object with `type` (a URI), `title`, `detail` (non-empty text), `status`
    (the HTTP status, as an integer) and, where given, `errors`: a list of
    `{field or id, message}`.
    """
    if response.status_code != status:
        return [f"status {response.status_code}, expected {status}: {response.text[:200]}"]
    content_type = response.headers.get("content-type")
    if content_type != "application/problem+json":
        return [f"content-type {content_type!r}: {response.text[:200]}"]
    try:
        body = response.json()
    except ValueError:
        return [f"not JSON: {response.text[:200]!r}"]
    if not isinstance(body, dict):
        return [f"not an object: {body!r}"]
    failures = [f"no {name!r} in {body}" for name in sorted(PROBLEM_FIELDS - body.keys())]
    for name in ("type", "title", "detail"):
        if name in body and not (isinstance(body[name], str) and body[name].strip()):
            failures.append(f"{name} is not a non-empty string: {body[name]!r}")
    if not str(body.get("type", "")).startswith(("https://", "about:blank")):
        failures.append(f"type is not a URI: {body.get('type')!r}")
    request_id = body.get("request_id")
    if not (isinstance(request_id, str) and request_id == response.headers.get("X-Request-ID")):
        failures.append(f"request_id {request_id!r} is not the answer's X-Request-ID")
    if "status" in body and (type(body["status"]) is not int or body["status"] != status):
        failures.append(f"status {body['status']!r} in the body, {status} in the answer")
    return failures + _errors_failures(body.get("errors", []))


def _errors_failures(errors: Any) -> list[str]:
    if not isinstance(errors, list):
        return [f"errors is not a list: {errors!r}"]
    failures = []
    for error in errors:
        if not isinstance(error, dict) or not error.keys() <= ERROR_KEYS:
            failures.append(f"an error is not {{field or id, message}}: {error!r}")
        elif not ({"field", "id"} & error.keys()) or not isinstance(error.get("message"), str):
            failures.append(f"an error names no field or id, or has no message: {error!r}")
        elif "field" in error and not isinstance(error["field"], str):
            failures.append(f"an error's field is not a string: {error!r}")
    return failures


def assert_problem(
    response: httpx.Response, status: int, field: str | None = None
) -> dict[str, Any]:
    """An RFC 9457 problem with this status, naming `field` among its errors when given."""
    failures = problem_failures(response, status)
    assert not failures, "\n".join(failures)
    body: dict[str, Any] = response.json()
    if field is not None:
        assert field in [e.get("field") for e in body.get("errors", [])], body
    return body
