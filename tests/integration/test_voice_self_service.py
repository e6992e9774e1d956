"""The digital employee completes self-service through the CoreBanking port, end to end: the voice app (real
Redis sessions, real broker) talks to the real records app and its SANDBOX core on the test PostgreSQL over
HTTP (ASGI transport). Balance with the kiosk's KYC session; no identity, no data; a card repayment read back,
confirmed once and posted once even when the confirming turn is sent again or its answer was lost; not enough
funds refused with nothing posted; each task's end on voice.interactions.v1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from branchops.contracts import topics
from branchops.devstack import TansuBroker
from branchops.settings import Role
from services.voice.bootstrap import build_app
from services.voice.settings import VoiceSettings
from tests.conftest import api_key, make_platform
from tests.integration.kafka_helpers import read_topic
from tests.integration.sandbox_core_support import (
    SERVICE,
    account,
    balances,
    ledger_consistent,
    new_branch,
    postings_of,
    running_core,
    seeded,
    store_kyc,
)
from tests.integration.test_voice_dialogue import nlu_engine

KIOSK = {"X-API-Key": api_key(Role.KIOSK)}


class Records(httpx.AsyncBaseTransport):
    """The records app over ASGI; ``lose`` POST answers are lost after the core did the work (a timeout)."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.lose = 0
        self.posts = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST":
            self.posts += 1
            if self.lose > 0:
                self.lose -= 1
                await response.aread()
                raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


@pytest.fixture
async def kiosk(
    session_broker: TansuBroker, redis_url: str, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, Any, str, Records, str]]:
    platform = make_platform(session_broker.bootstrap)
    async with running_core(database_url, redis_url, platform) as (records, _):
        branch = new_branch()
        await seeded(records, branch)
        transport = Records(records)
        http = httpx.AsyncClient(mounts={"http://records": transport})
        settings = VoiceSettings(
            redis_url=redis_url,
            queue_url="http://127.0.0.1:9",
            queue_api_key=SERVICE["X-API-Key"],
            core_banking_url="http://records",
            asr_engine_zh="vosk",
            asr_engine_en="vosk",
            nlu_rate_limit_per_minute=10_000,  # not under test here: the module's turns share one kiosk key
        )  # type: ignore[arg-type]
        voice = build_app(settings, platform, engine=nlu_engine(), http=http)
        async with (
            voice.router.lifespan_context(voice),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=voice), base_url="http://voice") as client,
        ):
            yield client, records.state.engine, branch, transport, session_broker.bootstrap


async def start(client: httpx.AsyncClient, branch: str, identity: str | None = None) -> str:
    body: dict[str, Any] = {"kiosk_id": "kiosk-1", "lang": "zh"}
    if identity:
        body["identity"] = identity
    response = await client.post(f"/v1/branches/{branch}/dialogue/sessions", json=body, headers=KIOSK)
    assert response.status_code == 201, response.text
    return str(response.json()["session_id"])


async def say(client: httpx.AsyncClient, branch: str, session: str, text: str) -> dict[str, Any]:
    response = await client.post(
        f"/v1/branches/{branch}/dialogue/sessions/{session}/turns", json={"text": text}, headers=KIOSK
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_balance_needs_the_kiosk_identity_and_shows_masked_sandbox_data(kiosk: Any) -> None:
    client, engine, branch, _, _ = kiosk
    anonymous = await start(client, branch)
    gate = await say(client, branch, anonymous, "查一下我的余额")
    assert "身份核验" in gate["reply"] and "screen" not in gate and "6222" not in gate["reply"]
    rates = await say(client, branch, anonymous, "美元汇率多少")
    assert rates["screen"]["kind"] == "fx_rates" and "沙箱" in rates["reply"] and "USD" in rates["reply"]
    assert rates["end"] == "completed" and rates["end_reason"] == "self_service_done"

    identity = await store_kyc(engine, branch)
    session = await start(client, branch, identity)
    shown = await say(client, branch, session, "查一下我的余额")
    assert shown["screen"]["kind"] == "balance" and shown["screen"]["sandbox"] is True
    numbers = [row["number"] for row in shown["screen"]["accounts"]]
    assert len(numbers) == 3 and all(n[4:8] == "****" for n in numbers)
    assert shown["reply"].startswith("【沙箱】") and (shown["end"], shown["end_reason"]) == (
        "completed",
        "self_service_done",
    )
    history = await say(client, branch, session, "看看交易明细")
    assert history["screen"]["kind"] == "statement" and history["screen"]["lines"][0]["kind"] == "opening"

    other = await store_kyc(engine, branch, masked="9999**********0000")  # names no customer of the core
    stranger = await start(client, branch, other)
    refused = await say(client, branch, stranger, "查一下我的余额")
    assert "screen" not in refused and (refused["end"], refused["end_reason"]) == ("handed_off", "identity_failed")


async def test_a_card_repayment_is_read_back_confirmed_and_posted_once(kiosk: Any) -> None:
    client, engine, branch, transport, bootstrap = kiosk
    identity = await store_kyc(engine, branch)
    before = await balances(engine, branch)
    session = await start(client, branch, identity)
    asked = await say(client, branch, session, "我要还信用卡")
    assert asked["phase"] == "filling" and "金额" in asked["reply"]
    readback = await say(client, branch, session, "两百元")
    assert readback["confirm"] is True and "200.00" in readback["reply"] and "沙箱" in readback["reply"]
    assert "****" in readback["reply"] and await postings_of(engine, branch) == 0, "nothing posted before yes"

    transport.lose = 1  # the core posts, its answer is lost; the adapter asks again with the same key
    done = await say(client, branch, session, "确认")
    assert done["screen"]["kind"] == "receipt" and done["screen"]["amount"] == "200.00"
    assert done["screen"]["from"][4:8] == "****" and done["screen"]["replayed"] is True
    assert (done["end"], done["end_reason"]) == ("completed", "self_service_done")
    again = await say(client, branch, session, "确认")  # the kiosk's confirm pressed a second time
    assert "screen" not in again and await postings_of(engine, branch) == 1
    after = await balances(engine, branch)
    card, debit = account(branch, 1, 3), account(branch, 1, 1)
    assert (after[card] - before[card], after[debit] - before[debit]) == (20_000, -20_000)
    await ledger_consistent(engine)

    for _ in range(20):
        records = await read_topic(bootstrap, topics.VOICE_INTERACTIONS.name, expect=1, timeout_s=5)
        ends = [
            json.loads(r.value)["data"]
            for r in records
            if json.loads(r.value)["data"]["session_id"] == session and json.loads(r.value)["data"].get("end")
        ]
        if ends:
            break
        await asyncio.sleep(0.2)
    assert [(e["end"], e["end_reason"]) for e in ends] == [("completed", "self_service_done")]


async def test_an_unknown_outcome_is_asked_again_with_the_same_key(kiosk: Any) -> None:
    client, engine, branch, transport, _ = kiosk
    identity = await store_kyc(engine, branch)
    session = await start(client, branch, identity)
    await say(client, branch, session, "还信用卡一百元")
    transport.lose = 3  # every attempt of the adapter loses its answer: the outcome is unknown
    unknown = await say(client, branch, session, "确认")
    assert "不会重复扣款" in unknown["reply"] and unknown["phase"] == "confirming"
    assert (unknown["end"], unknown["end_reason"]) == ("handed_off", "core_unavailable")
    retried = await say(client, branch, session, "确认")  # the customer presses confirm again
    assert retried["screen"]["kind"] == "receipt" and retried["screen"]["replayed"] is True
    assert await postings_of(engine, branch) == 1 and transport.posts == 4


async def test_not_enough_funds_posts_nothing_and_asks_for_a_smaller_amount(kiosk: Any) -> None:
    client, engine, branch, _, _ = kiosk
    identity = await store_kyc(engine, branch, masked="1101**********5678")  # the second customer: 880.00
    session = await start(client, branch, identity)
    await say(client, branch, session, "缴电费九千元")
    await say(client, branch, session, "12345678")
    refused = await say(client, branch, session, "确认")
    assert refused["phase"] == "filling" and "较小" in refused["reply"] and "沙箱" in refused["reply"]
    assert await postings_of(engine, branch) == 0
    await say(client, branch, session, "五十元")
    paid = await say(client, branch, session, "是")
    assert paid["screen"]["kind"] == "receipt" and "****" in paid["screen"]["to"]
    assert await postings_of(engine, branch) == 1


async def test_a_transfer_to_own_savings_is_posted_and_one_to_someone_else_is_not(kiosk: Any) -> None:
    client, engine, branch, _, _ = kiosk
    identity = await store_kyc(engine, branch)
    session = await start(client, branch, identity)
    readback = await say(client, branch, session, "转五百元到我自己的储蓄账户")
    assert readback.get("confirm") is True and "500.00" in readback["reply"], readback
    done = await say(client, branch, session, "是")
    assert done["screen"]["kind"] == "receipt" and await postings_of(engine, branch) == 1
    other = await say(client, branch, session, "给张三转五百元")
    assert "screen" not in other and not other.get("confirm") and await postings_of(engine, branch) == 1
