"""5xx answers the fuzzer once found, kept as regression tests."""

from __future__ import annotations

from collections.abc import Callable

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
