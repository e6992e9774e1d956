"""The rest of the catalogue's self-service through the digital employee, end to end: the voice app (real
Redis sessions, real broker) and the real records app with its SANDBOX core on the test PostgreSQL. Mobile
banking and SMS alerts read back and enrolled once; a card activated (already active: a clear answer); the
digital RMB wallet opened and topped up by one posting even when the answer was lost; a PIN changed on the
keypad (weak, mismatched refused; never in a reply, an event or the database in clear); pension credits; a
printed statement for the month said."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text

from branchops.clock import platform_clock
from branchops.contracts import topics
from tests.integration.kafka_helpers import read_topic
from tests.integration.sandbox_core_support import account, balances, ledger_consistent, postings_of, store_kyc
from tests.integration.test_voice_self_service import KIOSK, kiosk, say, start

__all__ = ["kiosk"]  # the fixture, shared with test_voice_self_service.py
SECOND_MASKED = "1101**********5678"


async def _pin(client: httpx.AsyncClient, branch: str, session: str, new: str, repeat: str) -> dict[str, Any]:
    response = await client.post(
        f"/v1/branches/{branch}/dialogue/sessions/{session}/pin",
        json={"new_pin": new, "repeat_pin": repeat},
        headers=KIOSK,
    )
    assert response.status_code == 200, response.text
    assert new not in response.text and repeat not in response.text
    body: dict[str, Any] = response.json()
    return body


async def _services(engine: Any, branch: str) -> dict[tuple[str, str, str], str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT s.customer_id, s.service, s.subject, s.state FROM sandbox_core_services s"
                " JOIN sandbox_core_customers c ON c.customer_id = s.customer_id WHERE c.branch_id = :b"
            ),
            {"b": branch},
        )
        return {(r.customer_id, r.service, r.subject): r.state for r in rows}


async def test_mobile_banking_and_sms_alerts_are_read_back_and_enrolled_once(kiosk: Any) -> None:
    client, engine, branch, _, _ = kiosk
    anonymous = await start(client, branch)
    assert "身份核验" in (await say(client, branch, anonymous, "开通手机银行"))["reply"]
    identity = await store_kyc(engine, branch)
    session = await start(client, branch, identity)
    asked = await say(client, branch, session, "开通手机银行")
    assert asked["phase"] == "confirming" and asked.get("confirm") is True and "138****1234" in asked["reply"]
    done = await say(client, branch, session, "是")
    assert done["screen"]["kind"] == "enrolment" and done["screen"]["state"] == "active"
    assert done["reply"].startswith("【沙箱】") and (done["end"], done["end_reason"]) == (
        "completed",
        "self_service_done",
    )
    again = await say(client, branch, session, "开通手机银行")
    assert "已经开通" in again["reply"] and again["end_reason"] == "information_given" and "screen" not in again

    threshold = await say(client, branch, session, "开通短信通知")
    assert threshold["pending_slot"] if "pending_slot" in threshold else threshold["phase"] == "filling"
    assert "短信提醒" in threshold["reply"]
    readback = await say(client, branch, session, "500")
    assert readback["phase"] == "confirming" and "500.00" in readback["reply"] and "6222****" in readback["reply"]
    posted = await say(client, branch, session, "是")
    assert posted["screen"]["kind"] == "enrolment" and posted["screen"]["detail"]["threshold"] == "500.00"
    states = await _services(engine, branch)
    customer = f"sbx-{branch}-c01"
    assert states[(customer, "mobile_banking", "")] == "active"
    assert states[(customer, "sms_alerts", account(branch, 1, 1))] == "active"
    assert (await say(client, branch, session, "是"))["outcome"] == "acknowledged"  # nothing more is enrolled
    assert len([k for k in await _services(engine, branch) if k[0] == customer]) == len(
        [k for k in states if k[0] == customer]
    )


async def test_a_card_is_activated_and_an_active_one_gets_a_clear_answer(kiosk: Any) -> None:
    client, engine, branch, _, _ = kiosk
    second = await store_kyc(engine, branch, masked=SECOND_MASKED)
    session = await start(client, branch, second)
    asked = await say(client, branch, session, "激活信用卡")
    assert asked["phase"] == "confirming" and "6258****" in asked["reply"]
    done = await say(client, branch, session, "确认")
    assert done["screen"]["kind"] == "enrolment" and "已激活" in done["reply"]
    assert (await _services(engine, branch))[
        (f"sbx-{branch}-c02", "card_activation", account(branch, 2, 3))
    ] == "active"
    again = await say(client, branch, session, "激活信用卡")
    assert "已经是激活状态" in again["reply"] and again["end"] == "completed"


async def test_the_wallet_is_opened_and_topped_up_once_though_the_answer_was_lost(kiosk: Any) -> None:
    client, engine, branch, transport, _ = kiosk
    identity = await store_kyc(engine, branch)
    session = await start(client, branch, identity)
    asked = await say(client, branch, session, "数字人民币钱包")
    assert "充值多少" in asked["reply"]
    readback = await say(client, branch, session, "200")
    assert (
        readback["phase"] == "confirming"
        and "开立数字人民币钱包" in readback["reply"]
        and "200.00" in readback["reply"]
    )
    before = await balances(engine, branch)
    transport.lose = 2  # the wallet's opening is done twice by the core, both answers lost: retried, same key
    posts = transport.posts
    done = await say(client, branch, session, "是")
    assert done["screen"]["kind"] == "receipt" and done["screen"]["amount"] == "200.00", done
    assert transport.posts == posts + 4  # the opening three times (same key), the top-up once
    after = await balances(engine, branch)
    wallet = f"sbx-{branch}-c01-wallet"
    assert after[wallet] == 20_000 and after[account(branch, 1, 1)] == before[account(branch, 1, 1)] - 20_000
    assert await postings_of(engine, branch, "wallet_top_up") == 1
    again = await say(client, branch, session, "数字人民币钱包充值一百元")
    assert "开立" not in again["reply"] and "100.00" in again["reply"]
    assert (await say(client, branch, session, "是"))["screen"]["amount"] == "100.00"
    assert (await balances(engine, branch))[wallet] == 30_000
    await ledger_consistent(engine)


async def test_a_pin_is_changed_on_the_keypad_and_never_shown_or_kept_in_clear(kiosk: Any) -> None:
    client, engine, branch, _, bootstrap = kiosk
    identity = await store_kyc(engine, branch)
    session = await start(client, branch, identity)
    asked = await say(client, branch, session, "修改密码")
    assert asked["screen"]["kind"] == "pin_entry" and asked["screen"]["account"].startswith("6222****")
    assert "密码键盘" in asked["reply"]
    spoken = await say(client, branch, session, "五八二九一四")  # said aloud: not taken, not kept
    assert "请不要说出" in spoken["reply"] and spoken["slots"] == {} and spoken["screen"]["kind"] == "pin_entry"
    typed = await say(client, branch, session, "582914")
    assert "请不要说出" in typed["reply"] and typed["slots"] == {}
    assert "不一致" in (await _pin(client, branch, session, "582914", "582915"))["reply"]
    weak = await _pin(client, branch, session, "123456", "123456")
    assert "太容易" in weak["reply"] and weak["screen"]["kind"] == "pin_entry"
    assert "6位数字" in (await _pin(client, branch, session, "12345", "12345"))["reply"]
    done = await _pin(client, branch, session, "582914", "582914")
    assert done["screen"]["kind"] == "pin_changed" and "已修改" in done["reply"] and done["end"] == "completed"
    assert "现在没有在修改密码" in (await _pin(client, branch, session, "582914", "582914"))["reply"]
    async with engine.connect() as connection:
        stored = (
            await connection.execute(
                text("SELECT pin_hash, salt FROM sandbox_core_pins WHERE account_id = :a"), {"a": account(branch, 1, 1)}
            )
        ).one()
        dumped = await connection.scalar(
            text(
                "SELECT string_agg(x, ' ') FROM (SELECT detail::text AS x FROM sandbox_core_audit WHERE branch_id = :b"
                " UNION ALL SELECT response::text FROM sandbox_core_idempotency WHERE scope = :b) t"
            ),
            {"b": branch},
        )
    assert b"582914" not in bytes(stored.pin_hash) and "582914" not in (dumped or "")
    mine: list[str] = []
    for _ in range(20):  # the turn events are published in the background
        records = await read_topic(bootstrap, topics.VOICE_INTERACTIONS.name, expect=1, timeout_s=5)
        mine = [r.value.decode() for r in records if json.loads(r.value)["data"]["session_id"] == session]
        if any('"pin_changed"' in e or '"end": "completed"' in e or '"end":"completed"' in e for e in mine):
            break
        await asyncio.sleep(0.2)
    assert len(mine) >= 8 and not any("582914" in e or "五八二九一四" in e for e in mine)


async def test_pension_credits_and_a_printed_statement_for_the_month_said(kiosk: Any) -> None:
    client, engine, branch, _, _ = kiosk
    identity = await store_kyc(engine, branch)
    session = await start(client, branch, identity)
    pension = await say(client, branch, session, "查一下养老金到账了没有")
    assert pension["screen"]["kind"] == "pension" and len(pension["screen"]["lines"]) == 3
    assert "9,750.00" in pension["reply"] and pension["end_reason"] == "self_service_done"
    second = await store_kyc(engine, branch, masked=SECOND_MASKED)
    none = await say(client, branch, await start(client, branch, second), "养老金查询")
    assert "没有养老金入账" in none["reply"] and none["screen"]["lines"] == []
    printed = await say(client, branch, session, "打印这个月的对账单")
    screen = printed["screen"]
    today = platform_clock().now().astimezone(ZoneInfo("Asia/Shanghai")).date()  # the branch's day, as postings'
    assert screen["kind"] == "statement_print" and screen["printed"] is True and screen["sandbox"] is True
    assert screen["from"] == today.replace(day=1).isoformat() and screen["to"] == today.isoformat()
    assert [line["kind"] for line in screen["lines"]][:1] == ["opening"] and "打印机" in printed["reply"]
    assert all(line["counterparty"].count("****") == 1 for line in screen["lines"])
    default = await say(client, branch, session, "打印流水")
    assert default["screen"]["from"] == (today - dt.timedelta(days=29)).isoformat()
