"""5xx answers the fuzzer once found, kept as regression tests."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI

from branchops.settings import Role
from tests.security.asgi import LoopRunner, call
from tests.security.conftest import key_headers

COLON_IDS = [
    ("queue", "POST", "/v1/branches/b1/windows/w:1/call-next", b""),
    ("queue", "PUT", "/v1/branches/b1/windows/w:1", b'{"state": "open", "skills": ["cash"]}'),
    ("queue", "GET", "/v1/branches/b1/tickets/t:1", b""),
    ("queue", "POST", "/v1/branches/b1/tickets/t:1/complete", b""),
    ("kyc", "GET", "/v1/kyc/sessions/s:1", b""),
    ("kyc", "DELETE", "/v1/kyc/sessions/s:1", b""),
    ("voice", "POST", "/v1/branches/b1/dialogue/sessions/s:1/turns", b'{"text": "hello"}'),
]


@pytest.mark.parametrize(("service", "method", "path", "body"), COLON_IDS, ids=[c[2] for c in COLON_IDS])
def test_colon_in_an_id_is_not_a_500(
    service: str, method: str, path: str, body: bytes, service_app: Callable[[str], FastAPI], runner: LoopRunner
) -> None:
    headers = {**key_headers(Role.MANAGER), "content-type": "application/json"}
    reply = runner.run(call(service_app(service), method, path, headers=headers, body=body))
    assert reply.status < 500, reply.error


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


DEEP_JSON = [
    ("staffing", "POST", "/v1/plans:solve"),
    ("staffing", "PUT", "/v1/branches/b1/instance"),
    ("kyc", "POST", "/v1/face/verify"),
]


@pytest.mark.parametrize("depth", [40, 900, 5000, 100_000])
@pytest.mark.parametrize(("service", "method", "path"), DEEP_JSON, ids=[f"{c[1]} {c[2]}" for c in DEEP_JSON])
def test_deeply_nested_json_is_refused_not_a_500(
    service: str, method: str, path: str, depth: int, service_app: Callable[[str], FastAPI], runner: LoopRunner
) -> None:
    """Issue 24 item 4: JSON nested past Python's recursion limit gave 500 (RecursionError)."""
    headers = {**key_headers(Role.SERVICE), "content-type": "application/json"}
    body = b'{"branch_id": "b1", "x": ' + _nested(depth) + b"}"
    reply = runner.run(call(service_app(service), method, path, headers=headers, body=body))
    assert reply.status == 400, (reply.status, reply.error, reply.body[:300])
    assert b"json_too_deep" in reply.body


@pytest.mark.parametrize(("method", "path"), [("POST", "/v1/plans:solve"), ("PUT", "/v1/branches/b1/instance")])
def test_huge_arrivals_are_refused_at_once(
    method: str, path: str, service_app: Callable[[str], FastAPI], runner: LoopRunner
) -> None:
    """Issue 24 item 4: arrivals of 1e18 an interval gave 500 ("lam value too large") after 2.8 s."""
    instance = json.loads((Path(__file__).resolve().parents[2] / "bench/staffing/reference_day.json").read_text())
    instance["branch_id"] = "b1"
    for service in instance["services"].values():
        service["arrivals"] = [1e18] * len(service["arrivals"])
    headers = {**key_headers(Role.SERVICE), "content-type": "application/json"}
    started = time.monotonic()
    reply = runner.run(call(service_app("staffing"), method, path, headers=headers, body=json.dumps(instance).encode()))
    assert reply.status == 422, (reply.status, reply.error, reply.body[:300])
    assert b"at most 10000" in reply.body and time.monotonic() - started < 2.0
