"""Gateway routes with the services behind it replaced by a recording fake (httpx MockTransport)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from branchops.settings import Role
from branchops.web import issue_token
from branchops.web.auth import principal_from_token
from services.gateway.adapters.upstream import Upstreams
from services.gateway.bootstrap import build_app
from services.gateway.domain.passwords import device_key_digest, hash_password
from services.gateway.settings import GatewaySettings
from tests.conftest import api_key, make_platform

PASSWORD = "a-long-password"
DEVICE = "dev-0123456789abcdef0123456789abcdef"


class FakeServices:
    def __init__(self) -> None:
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        path = request.url.path
        if path.endswith("/ack"):
            return httpx.Response(200, json={"alert_id": "al1", "status": "acknowledged"})
        if path.endswith("/plan"):
            return httpx.Response(404, json={"title": "Not Found"})
        if path.endswith("/queue"):
            return httpx.Response(200, json={"services": [], "windows": [], "waiting": [], "arrivals": []})
        if path.endswith("/alerts"):
            return httpx.Response(200, json={"alerts": []})
        return httpx.Response(200, json={"ok": True})


@pytest.fixture
def env() -> Iterator[tuple[TestClient, FakeServices, Any]]:
    fake = FakeServices()
    settings = GatewaySettings(
        users={
            "ann": {"password": hash_password(PASSWORD, n=2**10), "role": "manager", "branch": "b1"},
            "hq": {"password": hash_password(PASSWORD, n=2**10), "role": "head_office"},
        },
        device_keys={device_key_digest(DEVICE): {"branch": "b1", "kiosk_id": "k1"}},
        branches=["b1", "b2"],
        cookie_secure=False,
    )
    platform = make_platform("127.0.0.1:1")
    app = build_app(settings, platform, upstreams=Upstreams(settings, transport=httpx.MockTransport(fake)))
    yield TestClient(app), fake, platform  # no lifespan: no Kafka or Redis needed here


def test_pages_need_a_login_except_the_kiosk(env: Any) -> None:
    client, _, _ = env
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    kiosk = client.get("/kiosk")
    assert kiosk.status_code == 200 and "default-src 'self'" in kiosk.headers["content-security-policy"]
    assert client.get("/static/vendor/uplot/uPlot.iife.min.js").status_code == 200
    assert client.post("/v1/auth/login", json={"username": "ann", "password": "wrong"}).status_code == 401
    logged = client.post("/v1/auth/login", json={"username": "ann", "password": PASSWORD})
    assert logged.status_code == 200 and logged.json()["branch_id"] == "b1"
    assert (
        "httponly" in logged.headers["set-cookie"].lower() and "samesite=strict" in logged.headers["set-cookie"].lower()
    )
    assert client.get("/").status_code == 200
    assert client.get("/head-office").status_code == 403  # a manager is not head office


def test_login_throttles_guessing(env: Any) -> None:
    client, _, _ = env
    codes = [client.post("/v1/auth/login", json={"username": "ann", "password": f"x{i}"}).status_code for i in range(6)]
    assert codes == [401] * 5 + [429]


def test_dashboard_and_ack_go_to_the_services_with_the_callers_credential(env: Any) -> None:
    client, fake, _ = env
    token = client.post("/v1/auth/login", json={"username": "ann", "password": PASSWORD}).json()["access_token"]
    body = client.get("/v1/branches/b1/dashboard").json()
    assert body["can_ack"] and body["sources"] == {"queue": True, "staffing": True} and body["plan"] is None
    assert client.post("/v1/branches/b1/alerts/al1/ack").status_code == 403  # cookie without the CSRF header
    acked = client.post("/v1/branches/b1/alerts/al1/ack", headers={"X-BranchOps-Request": "1"})
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert fake.calls[-1].headers["authorization"] == f"Bearer {token}"
    assert client.get("/v1/branches/b2/dashboard").status_code == 403  # another branch
    assert client.get("/v1/branches/zz/dashboard").status_code == 404  # unknown branch


def test_roles_devices_and_bad_tokens(env: Any) -> None:
    client, fake, platform = env
    assert client.get("/v1/branches/b1/dashboard").status_code == 401
    device = {"X-Device-Key": DEVICE}
    assert client.get("/v1/branches/b1/dashboard", headers=device).status_code == 403
    assert client.get("/v1/head-office/branches", headers=device).status_code == 403
    assert client.get("/v1/branches/b1/dashboard", headers={"X-Device-Key": "dev-unknown"}).status_code == 401
    expired = issue_token(
        make_platform("x:1", jwt_ttl_s=60), "ann", Role.MANAGER, "b1", now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert client.get("/v1/branches/b1/dashboard", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    hq = {"X-API-Key": api_key(Role.HEAD_OFFICE)}
    assert client.get("/v1/head-office/branches", headers=hq).json()["branches"][0]["branch_id"] == "b1"
    assert client.post("/v1/branches/b1/alerts/al1/ack", headers=hq).status_code == 403
    started = client.post("/v1/kyc/sessions", json={"doc_type": "id_card"}, headers=device)
    assert started.status_code == 200
    sent = json.loads(fake.calls[-1].content)
    assert sent == {"branch_id": "b1", "kiosk_id": "k1", "doc_type": "id_card"}
    minted = fake.calls[-1].headers["authorization"].removeprefix("Bearer ")
    assert principal_from_token(platform, minted).branch_id == "b1"
    assert client.get("/v1/stream?types=bogus", headers=hq).status_code == 422


def test_dev_setup_logins_and_device_keys_work_against_the_gateways_settings() -> None:
    """What ``branchops up`` prints lets each role in: the passwords verify against the hashes the gateway
    gets, the printed device keys are registered for the run's branch."""
    import json
    import re

    from branchops.plugins import DevRun
    from services.gateway.devsetup import dev_setup
    from services.gateway.domain.passwords import device_key_digest, verify_password

    setup = dev_setup(DevRun(branch="demo-9", urls={"gateway": "http://127.0.0.1:8000"}, api_keys={}))
    users = json.loads(setup.env["GATEWAY_USERS"])
    banner = "\n".join(setup.banner)
    for login, role in (("manager", "manager"), ("teller", "teller"), ("head-office", "head_office")):
        password = re.search(rf"^\s+{login}\s+(\S+)\s", banner, re.M)
        assert password is not None, banner
        assert verify_password(password.group(1), users[login]["password"])
        assert users[login]["role"] == role
        assert users[login].get("branch") == (None if role == "head_office" else "demo-9")
    devices = json.loads(setup.env["GATEWAY_DEVICE_KEYS"])
    for key in re.findall(r"#device=(\S+)", banner):
        assert devices[device_key_digest(key)]["branch"] == "demo-9"
    assert "GATEWAY_QUEUE_URL" not in setup.env  # only services the run has
