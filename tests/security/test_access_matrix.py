"""Every endpoint of every service against every role: 401 without a credential, 403 with a role the
table does not allow, and neither (nor a 5xx) with one it allows (DESIGN.md section 7, issue #10 item 4)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from branchops.settings import Role
from branchops.web import issue_token
from tests.conftest import make_platform
from tests.security.access_table import ACCESS, Rule, concrete
from tests.security.apps import SERVICES, UNREACHABLE_BROKER, Endpoint, endpoints, openapi_endpoints
from tests.security.asgi import LoopRunner, Reply, WsOutcome, call, ws_handshake
from tests.security.conftest import ROLES, key_headers

AUTH_REFUSAL = re.compile(r"credential|token|api key|role|branch", re.IGNORECASE)
UPSTREAM_DOWN = (502, 503, 504)  # the gateway's upstream services do not run here
KNOWN_BUGS: dict[tuple[str, str, str, Role], str] = {}
ROWS = [(service, method, path, rule) for service, table in ACCESS.items() for (method, path), rule in table.items()]
PLATFORM = make_platform(UNREACHABLE_BROKER)


def _id(service: str, method: str, path: str) -> str:
    return f"{service}:{method}:{path}"


def _cells() -> list[Any]:
    cells = []
    for service, method, path, rule in ROWS:
        for role in ROLES:
            marks = []
            bug = KNOWN_BUGS.get((service, method, path, role)) if role else None
            if bug:
                marks.append(pytest.mark.xfail(strict=True, reason=bug))
            label = f"{_id(service, method, path)}-{role.value if role else 'none'}"
            cells.append(pytest.param(service, method, path, rule, role, marks=marks, id=label))
    return cells


@pytest.mark.parametrize("service", SERVICES)
def test_every_endpoint_has_a_row(service: str, service_app: Callable[[str], FastAPI]) -> None:
    app = service_app(service)
    served = endpoints(app)
    table = {Endpoint(m, p) for m, p in ACCESS[service]}
    missing = sorted(str(e) for e in served - table)
    stale = sorted(str(e) for e in table - served)
    assert not missing, f"{service}: endpoints without a row in tests/security/access_table.py: {missing}"
    assert not stale, f"{service}: rows for endpoints that no longer exist: {stale}"
    assert openapi_endpoints(app) <= served, "OpenAPI documents an operation the router does not serve"


def credentials(rule: Rule, role: Role | None) -> tuple[dict[str, str], dict[str, str]]:
    """(headers, query) presenting ``role`` the way the endpoint's clients do."""
    if role is None:
        return {}, {}
    if rule.credential == "key":
        return key_headers(role), {}
    token = issue_token(PLATFORM, f"probe-{role.value}", role)
    if rule.credential == "cookie":
        return {"cookie": f"bo_session={token}"}, {}
    return {}, {"token": token}


async def _http(app: FastAPI, method: str, path: str, headers: dict[str, str]) -> Reply:
    target = path + "/probe.txt" if method == "MOUNT" else path
    body = b"{}" if method in ("POST", "PUT", "PATCH") else b""
    return await call(
        app,
        "GET" if method == "MOUNT" else method,
        concrete(target),
        headers={**headers, "content-type": "application/json"},
        body=body,
    )


async def _ws(app: FastAPI, path: str, headers: dict[str, str], query: dict[str, str]) -> WsOutcome:
    return await ws_handshake(app, concrete(path), headers=headers, query={"branch_id": "b1", **query})


def _expect_http(service: str, path: str, reply: Reply, rule: Rule, role: Role | None) -> None:
    where = f"{reply.status} {reply.body[:200]!r}"
    tolerated = UPSTREAM_DOWN if service == "gateway" else ()
    if path == "/readyz":
        tolerated = (503,)  # not ready: the app was never started; what matters is that it needs no credential
    if rule.allowed is None:
        assert reply.status != 403 and (reply.status < 500 or reply.status in tolerated), where
        return
    if role is None:
        assert reply.status == rule.anonymous, where
        if rule.anonymous == 401:
            assert reply.headers.get("www-authenticate"), "401 without WWW-Authenticate"
    elif role not in rule.allowed:
        assert reply.status == 403, where
    else:
        assert reply.status not in (401, 403), where
        assert reply.status < 500 or reply.status in tolerated, where
    if reply.status in (401, 403) and reply.media_type != "text/html":
        assert reply.media_type == "application/problem+json", reply.headers
        assert json.loads(reply.body)["status"] == reply.status


def _expect_ws(outcome: WsOutcome, rule: Rule, role: Role | None) -> None:
    assert rule.allowed is not None, "no public WebSocket is expected"
    refused_for_auth = outcome.refused and outcome.close_code == 1008 and AUTH_REFUSAL.search(outcome.close_reason)
    if role is None or role not in rule.allowed:
        assert refused_for_auth, outcome
        wanted = "credential" if role is None else "role"
        assert wanted in outcome.close_reason.lower(), outcome
    else:
        assert outcome.accepted and not refused_for_auth, outcome


@pytest.mark.parametrize(("service", "method", "path", "rule", "role"), _cells())
def test_role_matrix(
    service: str,
    method: str,
    path: str,
    rule: Rule,
    role: Role | None,
    service_app: Callable[[str], FastAPI],
    runner: LoopRunner,
) -> None:
    app = service_app(service)
    headers, query = credentials(rule, role)
    if method == "WS":
        _expect_ws(runner.run(_ws(app, path, headers, query)), rule, role)
    else:
        _expect_http(service, path, runner.run(_http(app, method, path, headers)), rule, role)


PROTECTED = [r for r in ROWS if r[3].allowed is not None and r[3].credential == "key"]
BAD_CREDENTIALS = {
    "unknown-key": {"X-API-Key": "not-a-key-0123456789abcdefghijkl"},
    "empty-bearer": {"Authorization": "Bearer "},
    "garbage-bearer": {"Authorization": "Bearer not.a.jwt"},
    "basic-auth": {"Authorization": "Basic dXNlcjpwYXNz"},
}


@pytest.mark.parametrize("credential", BAD_CREDENTIALS)
@pytest.mark.parametrize(("service", "method", "path", "rule"), PROTECTED, ids=[_id(*r[:3]) for r in PROTECTED])
def test_bad_credentials_are_401(
    service: str,
    method: str,
    path: str,
    rule: Rule,
    credential: str,
    service_app: Callable[[str], FastAPI],
    runner: LoopRunner,
) -> None:
    app = service_app(service)
    headers = BAD_CREDENTIALS[credential]
    if method == "WS":
        outcome = runner.run(_ws(app, path, headers, {}))
        assert outcome.refused and outcome.close_code == 1008, outcome
    else:
        reply = runner.run(_http(app, method, path, headers))
        assert reply.status == 401, (reply.status, reply.body[:200])
        assert reply.media_type == "application/problem+json"
