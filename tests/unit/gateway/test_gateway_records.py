"""The gateway's relays to records (configuration with ETag / If-Match, audit, reports) and today's figures
seeded from records' daily report, with records replaced by a recording fake (httpx MockTransport)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient

from branchops.clock import platform_clock
from branchops.settings import Role
from services.gateway.adapters.upstream import Upstreams
from services.gateway.bootstrap import build_app
from services.gateway.domain.passwords import hash_password
from services.gateway.domain.snapshot import BranchState
from services.gateway.settings import GatewaySettings
from tests.conftest import api_key, make_platform

PASSWORD = "a-long-password"
ZONE = ZoneInfo("Asia/Shanghai")
CSRF = {"X-BranchOps-Request": "1"}


def today() -> str:
    return platform_clock().now().astimezone(ZONE).date().isoformat()


def daily_report(date: str) -> dict[str, Any]:
    start = dt.datetime.fromisoformat(f"{date}T09:00:00+08:00").astimezone(dt.UTC)
    return {
        "branch_id": "b1",
        "date": date,
        "timezone": "Asia/Shanghai",
        "generated_at": "2026-12-06T10:00:00Z",
        "totals": {
            "arrivals": 30,
            "called": 20,
            "abandoned": 5,
            "within_target_share": 0.8,
            "ratings": 4,
            "rating_avg": 4.5,
        },
        "intervals": [
            {"start": start.isoformat().replace("+00:00", "Z"), "local": "09:00", "arrivals": 12},
            {"start": (start + dt.timedelta(minutes=15)).isoformat(), "local": "09:15", "arrivals": 18},
        ],
        "windows": [{"window_id": "g1", "served": 10, "handling_min_avg": 5.0, "ratings": 4, "rating_avg": 4.5}],
        "kyc": [{"decision": "approved", "count": 3}],
        "voice": {"sessions": 2, "turns": 7, "completed_without_staff": 1, "handed_off": 1, "containment": 0.5},
    }


class FakeRecords:
    def __init__(self) -> None:
        self.calls: list[httpx.Request] = []
        self.down = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        path = request.url.path
        if path.endswith("/config") and request.method == "GET":
            return httpx.Response(200, json={"version": 3}, headers={"ETag": '"3"'})
        if path.endswith("/config"):
            if request.headers.get("if-match") != '"3"':
                return httpx.Response(412, json={"title": "Precondition failed", "reason": "stale"})
            return httpx.Response(200, json={"version": 4}, headers={"ETag": '"4"'})
        if path.endswith("/reports/daily"):
            return httpx.Response(200, json=daily_report(request.url.params.get("date", today())))
        if path.endswith(".pdf"):
            return httpx.Response(
                200, content=b"%PDF-1.4", headers={"Content-Type": "application/pdf", "Content-Disposition": "inline"}
            )
        if path.endswith(".csv"):
            return httpx.Response(
                200, content="\ufeffbranch_id\r\nb1\r\n".encode(), headers={"Content-Type": "text/csv"}
            )
        return httpx.Response(200, json={"path": path, "query": dict(request.url.params)})


@pytest.fixture
def env() -> Iterator[tuple[TestClient, FakeRecords]]:
    fake = FakeRecords()
    settings = GatewaySettings(
        users={
            "ann": {"password": hash_password(PASSWORD, n=2**10), "role": "manager", "branch": "b1"},
            "hq": {"password": hash_password(PASSWORD, n=2**10), "role": "head_office"},
        },
        branches=["b1", "b2"],
        cookie_secure=False,
    )
    app = build_app(settings, make_platform("127.0.0.1:1"), upstreams=Upstreams(settings, httpx.MockTransport(fake)))
    yield TestClient(app), fake


def login(client: TestClient, user: str) -> None:
    assert client.post("/v1/auth/login", json={"username": user, "password": PASSWORD}).status_code == 200


def test_config_relays_etag_and_if_match(env: Any) -> None:
    client, fake = env
    login(client, "ann")
    got = client.get("/v1/branches/b1/config")
    assert got.status_code == 200 and got.headers["etag"] == '"3"'
    assert fake.calls[-1].url.path == "/v1/branches/b1/config"
    assert client.put("/v1/branches/b1/config", json={}, headers=CSRF).status_code == 412
    saved = client.put("/v1/branches/b1/config", json={"a": 1}, headers={**CSRF, "If-Match": '"3"'})
    assert saved.status_code == 200 and saved.headers["etag"] == '"4"'
    assert fake.calls[-1].content == b'{"a":1}' and fake.calls[-1].headers["authorization"].startswith("Bearer ")
    assert client.get("/v1/branches/b2/config").status_code == 403  # another branch's
    assert client.put("/v1/branches/b1/config", json={}).status_code == 403  # no CSRF header


def test_reports_pass_their_query_and_roles(env: Any) -> None:
    client, _ = env
    login(client, "ann")
    got = client.get("/v1/branches/b1/reports/period?from=2026-11-30&to=2026-12-06&junk=1").json()
    assert got["query"] == {"from": "2026-11-30", "to": "2026-12-06"}
    audit = client.get("/v1/branches/b1/config/audit?limit=5").json()
    assert audit["path"] == "/v1/branches/b1/config/audit" and audit["query"] == {"limit": "5"}
    pdf = client.get("/v1/branches/b1/reports/daily.pdf?date=2026-12-06&lang=en")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get("/v1/reports/branches").status_code == 403  # head office only
    client.cookies.clear()
    login(client, "hq")
    assert client.get("/v1/branches/b2/reports/daily?date=2026-12-06").json()["date"] == "2026-12-06"
    csv = client.get("/v1/reports/branches.csv?from=2026-11-01&to=2026-11-30")
    assert csv.headers["content-type"].startswith("text/csv") and csv.content.startswith("\ufeff".encode())
    assert client.get("/v1/reports/trend?branch_id=b1").json()["query"] == {"branch_id": "b1"}
    assert client.get("/v1/reports/trend?branch_id=zz").status_code == 404
    assert client.put("/v1/branches/b1/config", json={}, headers=CSRF).status_code == 403  # managers change it


def test_unreachable_records_is_a_502(env: Any) -> None:
    client, fake = env
    fake.down = True
    got = client.get("/v1/branches/b1/config", headers={"X-API-Key": api_key(Role.HEAD_OFFICE)})
    assert got.status_code == 502 and "records" in got.json()["detail"]


def test_dashboard_seeds_today_from_records_once(env: Any) -> None:
    client, fake = env
    login(client, "ann")
    snap = client.get("/v1/branches/b1/dashboard").json()["snapshot"]
    assert snap["tickets_today"] == 30 and snap["called_today"] == 20 and snap["abandoned_today"] == 5
    assert snap["service_level"] == 0.8 and snap["satisfaction"] == {"count": 4, "average": 4.5}
    assert snap["kyc_today"] == {"approved": 3} and snap["voice_turns_today"] == 7
    assert snap["seeded_from_records"] == "2026-12-06T10:00:00Z"
    daily = [c for c in fake.calls if c.url.path.endswith("/reports/daily")]
    assert len(daily) == 1 and daily[0].url.params["date"] == today()
    client.get("/v1/branches/b1/dashboard")
    assert len([c for c in fake.calls if c.url.path.endswith("/reports/daily")]) == 1  # once a day


def test_dashboard_works_without_records(env: Any) -> None:
    client, fake = env
    fake.down = True
    login(client, "ann")
    got = client.get("/v1/branches/b1/dashboard")
    assert got.status_code == 200 and got.json()["snapshot"]["tickets_today"] == 0
    assert got.json()["snapshot"]["seeded_from_records"] is None


def test_head_office_table_is_seeded_for_every_branch(env: Any) -> None:
    client, _ = env
    rows = client.get("/v1/head-office/branches", headers={"X-API-Key": api_key(Role.HEAD_OFFICE)}).json()
    assert [r["tickets_today"] for r in rows["branches"]] == [30, 30]


def test_seed_replaces_the_counters_and_ignores_another_day() -> None:
    now = dt.datetime.now(dt.UTC)
    state = BranchState("b1", ZONE)
    local = now.astimezone(ZONE).date()
    assert not state.seed_today(daily_report((local - dt.timedelta(days=1)).isoformat()), now)
    ahead = BranchState("b1", ZONE)
    ahead.day = local.isoformat()
    ahead.arrivals = {"slot": 31}  # this gateway counted more than records has yet
    assert not ahead.seed_today(daily_report(local.isoformat()), now) and ahead.arrivals == {"slot": 31}
    assert state.seed_today(daily_report(local.isoformat()), now)
    assert sum(state.arrivals.values()) == 30 and state.called_in_target == 20  # 0.8 of 25
    assert state.window_days.of("g1") == {"served": 10, "avg_handling_min": 5.0}
    assert state.view(now)["satisfaction_by_window"] == {"g1": {"count": 4, "average": 4.5}}


def test_config_and_reports_pages_need_a_manager_or_head_office(env: Any) -> None:
    client, _ = env
    assert client.get("/config", follow_redirects=False).headers["location"] == "/login?next=/config"
    login(client, "ann")
    for page in ("/config", "/reports"):
        got = client.get(page)
        assert got.status_code == 200 and "default-src 'self'" in got.headers["content-security-policy"]
    assert 'href="/config"' in client.get("/").text  # linked from the dashboard
    for asset in ("js/config.js", "js/reports.js", "js/reportcharts.js", "js/netreports.js", "css/records.css"):
        assert client.get(f"/static/{asset}").status_code == 200
