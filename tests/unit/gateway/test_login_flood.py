"""Issue 24 item 1: a login flood (fresh names, so the per-name throttle never trips) must not stall the
gateway: passwords are checked off the event loop in a bounded pool, and logins are budgeted per client
address and globally (429 with Retry-After past the budget or when the pool is full)."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx

from branchops.settings import Role
from branchops.web import issue_token
from services.gateway.adapters.upstream import Upstreams
from services.gateway.bootstrap import build_app
from services.gateway.domain.passwords import hash_password
from services.gateway.domain.throttle import RateBudget
from services.gateway.settings import GatewaySettings
from tests.conftest import make_platform


def test_budget_per_address_burst_then_rate() -> None:
    budget = RateBudget(per_address_rate=1.0, per_address_burst=3, global_rate=100, global_burst=100)
    assert [budget.admit("a", 0.0) for _ in range(3)] == [None, None, None]
    wait = budget.admit("a", 0.0)
    assert wait is not None and wait >= 1.0
    assert budget.admit("b", 0.0) is None  # another address has its own bucket
    assert budget.admit("a", 0.5) is not None  # half a token back: not yet
    assert budget.admit("a", 1.0) is None  # one token refilled


def test_budget_global_caps_many_addresses() -> None:
    budget = RateBudget(per_address_rate=10, per_address_burst=10, global_rate=2.0, global_burst=4)
    got = [budget.admit(f"10.0.0.{i}", 0.0) for i in range(6)]
    assert got[:4] == [None] * 4 and all(w is not None and w >= 1.0 for w in got[4:])
    assert budget.admit("10.0.0.9", 0.5) is None  # 2 a second: one token after half a second


def test_refused_login_takes_no_token_and_addresses_are_bounded() -> None:
    budget = RateBudget(per_address_rate=1.0, per_address_burst=1, global_rate=1.0, global_burst=2, max_addresses=2)
    assert budget.admit("a", 0.0) is None
    assert budget.admit("a", 0.0) is not None  # refused by its own bucket: the global one keeps its token
    assert budget.admit("b", 0.0) is None
    for i in range(5):
        budget.admit(f"x{i}", 100.0 + i)
    assert len(budget._addresses) <= 2


def _app(**login: float) -> tuple[httpx.AsyncClient, str]:
    settings = GatewaySettings(
        users={"ann": {"password": hash_password("a-long-password"), "role": "manager", "branch": "b1"}},
        branches=["b1"],
        cookie_secure=False,
        **login,  # type: ignore[arg-type]
    )
    platform = make_platform("127.0.0.1:1")

    def services(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"services": [], "windows": [], "waiting": [], "arrivals": []})

    app = build_app(settings, platform, upstreams=Upstreams(settings, transport=httpx.MockTransport(services)))
    token = issue_token(platform, "ann", Role.MANAGER, "b1")
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
    return client, token


async def _read(client: httpx.AsyncClient, token: str) -> float:
    start = time.perf_counter()
    r = await client.get("/v1/branches/b1/queue", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    return time.perf_counter() - start


async def test_login_flood_leaves_other_routes_responsive_and_excess_gets_429() -> None:
    client, token = _app()
    async with client:
        for _ in range(3):
            await _read(client, token)  # warm up
        baseline = statistics.median([await _read(client, token) for _ in range(10)])

        answers: list[httpx.Response] = []
        done = asyncio.Event()

        async def flooder(k: int) -> None:  # one attacking client: a fresh name per login, back to back
            i = 0
            while not done.is_set():
                i += 1
                body = {"username": f"flood-{k}-{i}", "password": "guess-123456"}
                answers.append(await client.post("/v1/auth/login", json=body))
                await asyncio.sleep(0.005)

        flood = [asyncio.create_task(flooder(k)) for k in range(8)]
        await asyncio.sleep(0.2)
        during = []
        for _ in range(15):
            during.append(await _read(client, token))
            await asyncio.sleep(0.02)
        done.set()
        await asyncio.gather(*flood)

    # scrypt on the loop delayed every read by ~150 ms per login ahead of it; off the loop a read
    # stays within a generous multiple of its own baseline (plus scheduling slack on a busy machine)
    assert statistics.median(during) < 20 * baseline + 0.01, (baseline, during)
    codes = [a.status_code for a in answers]
    assert set(codes) <= {401, 429} and codes.count(429) >= 20, codes
    assert all(a.headers.get("retry-after", "").isdigit() for a in answers if a.status_code == 429)


async def test_full_pool_answers_429_at_once() -> None:
    client, _ = _app(login_burst_per_address=1000, login_burst_global=1000, login_hash_pending=2)
    async with client:
        answers = await asyncio.gather(
            *(client.post("/v1/auth/login", json={"username": f"u{i}", "password": "guess-123456"}) for i in range(8))
        )
    codes = sorted(a.status_code for a in answers)
    assert codes.count(401) == 2 and codes.count(429) == 6, codes
    assert all(a.headers["retry-after"] == "1" for a in answers if a.status_code == 429)
