"""JWTs: expiry, signature, algorithm, claims; a credential tied to one branch reaches only that branch."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable

import jwt
import pytest
from fastapi import FastAPI

from branchops.settings import Role
from branchops.web import issue_token
from tests.conftest import TEST_JWT_SECRET, api_key
from tests.security.access_table import ACCESS, Rule, concrete
from tests.security.asgi import LoopRunner, call, ws_handshake
from tests.security.test_access_matrix import PLATFORM, UPSTREAM_DOWN

PROBE = ("queue", "GET", "/v1/branches/b1/tickets/t-1")  # any protected endpoint will do


def _b64(part: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def _claims(**extra: object) -> dict[str, object]:
    now = dt.datetime.now(dt.UTC)
    return {"sub": "probe", "role": "manager", "iat": now, "exp": now + dt.timedelta(minutes=5), **extra}


BAD_TOKENS: dict[str, Callable[[], str]] = {
    "expired": lambda: issue_token(
        PLATFORM, "probe", Role.MANAGER, now=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=PLATFORM.jwt_ttl_s + 5)
    ),
    "other-secret": lambda: jwt.encode(_claims(), "another-secret-that-is-long-enough-0123456789", "HS256"),
    "alg-none": lambda: (
        f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({'sub': 'probe', 'role': 'manager', 'exp': 4102444800})}."
    ),
    "unknown-role": lambda: jwt.encode(_claims(role="root"), TEST_JWT_SECRET, "HS256"),
    "no-exp": lambda: jwt.encode({"sub": "probe", "role": "manager"}, TEST_JWT_SECRET, "HS256"),
    "no-role": lambda: jwt.encode({"sub": "probe", "exp": 4102444800}, TEST_JWT_SECRET, "HS256"),
}


@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_bad_tokens_are_401(kind: str, service_app: Callable[[str], FastAPI], runner: LoopRunner) -> None:
    service, method, path = PROBE
    reply = runner.run(
        call(service_app(service), method, path, headers={"Authorization": f"Bearer {BAD_TOKENS[kind]()}"})
    )
    assert reply.status == 401, reply.body
    if kind == "expired":
        assert "expired" in reply.json()["detail"]


def test_a_fresh_token_works_and_expires(service_app: Callable[[str], FastAPI], runner: LoopRunner) -> None:
    service, method, path = PROBE
    now = dt.datetime.now(dt.UTC)
    fresh = issue_token(PLATFORM, "probe", Role.MANAGER, now=now)
    claims = jwt.decode(fresh, TEST_JWT_SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == PLATFORM.jwt_ttl_s, "lifetime comes from settings"
    ok = runner.run(call(service_app(service), method, path, headers={"Authorization": f"Bearer {fresh}"}))
    assert ok.status == 404, ok.body  # authorised; the ticket does not exist


VALID_BODIES = {  # the check of the branch comes after the body's validation
    "/tickets": {"service": "cash"},
    "/windows/{window_id}": {"state": "open", "skills": ["cash"]},
    "/dialogue/sessions": {"kiosk_id": "k1"},
    "/turns": {"text": "hello"},
    "/undo-call": {"ticket_id": "t1"},
    "/display/announce": {"number": "A001", "window_id": "w1"},
    "/appointments": {
        "service": "cash",
        "date": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "start": "10:00",
    },
    "/appointments/check-in": {"code": "ABCD2345"},
    "/windows/{window_id}/tickets/{ticket_id}/form": {"fields": {"amount": "1"}},  # gateway: before the queue's
    "/tickets/{ticket_id}/form": {"window_id": "w1", "fields": {"amount": "1"}},
    "/transfers": {"from_account_id": "a1", "to_account_id": "a2", "amount_minor": 100},  # sandbox core
    "/card-repayments": {"from_account_id": "a1", "card_account_id": "a2", "amount_minor": 100},
    "/utility-payments": {"from_account_id": "a1", "biller_id": "b1", "bill_reference": "B123", "amount_minor": 1},
    "/wallet-top-ups": {"from_account_id": "a1", "amount_minor": 100},
    "/accounts/{account_id}/pin": {"new_pin": "582914"},  # the sandbox core's PIN change
    "/sessions/{session_id}/pin": {"new_pin": "582914", "repeat_pin": "582914"},  # the voice's PIN keypad
}
VALID_QUERIES = {  # the same for queries
    "/appointments/slots": f"service=cash&date={dt.date.today() + dt.timedelta(days=30)}",
    "/appointments/expected": f"date={dt.date.today() + dt.timedelta(days=30)}",
    "/reports/period": f"from={dt.date.today() - dt.timedelta(days=7)}&to={dt.date.today()}",
}
BRANCH_ROWS = [
    (s, m, p, r)
    for s, t in ACCESS.items()
    for (m, p), r in t.items()
    if "{branch_id}" in p and r.allowed and r.credential != "cookie"
]


@pytest.mark.parametrize(
    ("service", "method", "path", "rule"), BRANCH_ROWS, ids=[f"{s}:{m}:{p}" for s, m, p, _ in BRANCH_ROWS]
)
def test_branch_bound_token_stays_in_its_branch(
    service: str, method: str, path: str, rule: Rule, service_app: Callable[[str], FastAPI], runner: LoopRunner
) -> None:
    app = service_app(service)
    role = sorted(rule.allowed or ())[0]
    token = issue_token(PLATFORM, f"bound-{role.value}", role, "b1")
    if method == "WS":
        other = runner.run(ws_handshake(app, concrete(path, "b2"), query={"branch_id": "b2", "token": token}))
        own = runner.run(ws_handshake(app, concrete(path, "b1"), query={"branch_id": "b1", "token": token}))
        assert other.refused and "branch" in other.close_reason, other
        assert own.accepted and not (own.refused and "branch" in own.close_reason), own
        return
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    valid = next((b for suffix, b in VALID_BODIES.items() if path.endswith(suffix)), {})
    if service == "gateway" and path.endswith("/dialogue/sessions"):
        valid = {"lang": "zh"}  # the gateway knows the kiosk from its credential
    body = json.dumps(valid).encode() if method in ("POST", "PUT", "PATCH") else b""
    query = next((q for suffix, q in VALID_QUERIES.items() if path.endswith(suffix)), "")
    other = runner.run(call(app, method, concrete(path, "b2"), headers=headers, body=body, query=query))
    own = runner.run(call(app, method, concrete(path, "b1"), headers=headers, body=body, query=query))
    assert other.status == 403, (other.status, other.body[:200])
    assert "branch" in other.json()["detail"]
    assert own.status not in (401, 403), (own.status, own.body[:200])
    assert own.status < 500 or (service == "gateway" and own.status in UPSTREAM_DOWN), own.body[:200]


def test_branch_bound_token_cannot_open_or_read_another_branchs_kyc_session(
    service_app: Callable[[str], FastAPI], runner: LoopRunner
) -> None:
    app = service_app("kyc")
    bound = {
        "Authorization": f"Bearer {issue_token(PLATFORM, 'kiosk-b1', Role.KIOSK, 'b1')}",
        "content-type": "application/json",
    }
    create = json.dumps({"branch_id": "b2", "kiosk_id": "k1", "doc_type": "id_card"}).encode()
    refused = runner.run(call(app, "POST", "/v1/kyc/sessions", headers=bound, body=create))
    assert refused.status == 403, refused.body
    service = {"X-API-Key": api_key(Role.SERVICE), "content-type": "application/json"}
    made = runner.run(call(app, "POST", "/v1/kyc/sessions", headers=service, body=create))
    assert made.status == 201, made.body
    session_id = made.json()["session_id"]
    for method in ("GET", "DELETE"):
        reply = runner.run(call(app, method, f"/v1/kyc/sessions/{session_id}", headers=bound))
        assert reply.status == 403, (method, reply.body)
