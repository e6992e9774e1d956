"""Reversal by voice, end to end: the voice app (real Redis sessions, real broker) and the records app's
SANDBOX core on the test PostgreSQL. "撤销刚才的还款" / "cancel the payment I just made" reads back the
session's last movement, waits for an explicit yes and reverses it once (a retried answer replays with the
same key; a second yes does nothing); asked again it is already reversed; nothing made this session, or a
movement of another day, gets a clear next step and nothing is posted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.integration.sandbox_core_support import account, balances, ledger_consistent, postings_of, store_kyc
from tests.integration.test_voice_self_service import kiosk, say, start

__all__ = ["kiosk"]  # the fixture, shared with the self-service tests


async def test_a_card_repayment_just_made_is_reversed_once_after_a_yes(kiosk: Any) -> None:
    client, engine, branch, transport, _ = kiosk
    identity = await store_kyc(engine, branch)
    before = await balances(engine, branch)
    session = await start(client, branch, identity)
    nothing = await say(client, branch, session, "撤销刚才的还款")
    assert "没有办理可撤销的交易" in nothing["reply"] and "柜台" in nothing["reply"]
    assert (nothing["end"], nothing["end_reason"]) == ("completed", "information_given")

    await say(client, branch, session, "我要还信用卡")
    await say(client, branch, session, "两百元")
    paid = await say(client, branch, session, "确认")
    assert paid["screen"]["kind"] == "receipt" and await postings_of(engine, branch) == 1
    original = paid["screen"]["posting_id"]

    asked = await say(client, branch, session, "撤销刚才的还款")
    assert asked["phase"] == "confirming" and asked["confirm"] is True
    assert "200.00" in asked["reply"] and str(original) in asked["reply"] and "沙箱" in asked["reply"]
    assert await postings_of(engine, branch, "reversal") == 0, "nothing reversed before the yes"
    transport.lose = 1  # the core reverses, its answer is lost: the adapter asks again with the same key
    done = await say(client, branch, session, "是")
    assert done["screen"]["kind"] == "receipt" and done["screen"]["reverses"] == original
    assert done["screen"]["replayed"] is True and "已撤销" in done["reply"]
    assert (done["end"], done["end_reason"]) == ("completed", "self_service_done")
    again = await say(client, branch, session, "是")  # a second yes
    assert "screen" not in again
    assert await postings_of(engine, branch, "reversal") == 1
    assert await balances(engine, branch) == before, "the repayment is undone to the fen"
    told = await say(client, branch, session, "撤销刚才的还款")  # asked once more: already done
    assert "已经撤销过了" in told["reply"] and told["phase"] == "open"
    assert await postings_of(engine, branch, "reversal") == 1
    await ledger_consistent(engine)


async def test_in_english_a_no_keeps_the_payment_and_a_yes_reverses_it(kiosk: Any) -> None:
    client, engine, branch, _, _ = kiosk
    identity = await store_kyc(engine, branch)
    session = await start(client, branch, identity)
    await say(client, branch, session, "pay my electricity bill")
    await say(client, branch, session, "eighty")
    await say(client, branch, session, "12345678")
    paid = await say(client, branch, session, "yes")
    assert paid["screen"]["kind"] == "receipt" and paid["screen"]["amount"] == "80.00"
    debit = account(branch, 1, 1)
    after_payment = (await balances(engine, branch))[debit]

    asked = await say(client, branch, session, "cancel the payment I just made")
    assert asked["phase"] == "confirming" and "CNY 80.00" in asked["reply"] and "SANDBOX" in asked["reply"]
    kept = await say(client, branch, session, "no")
    assert kept["phase"] == "open" and await postings_of(engine, branch, "reversal") == 0
    await say(client, branch, session, "cancel the payment I just made")
    done = await say(client, branch, session, "yes")
    assert done["screen"]["kind"] == "receipt" and done["reply"].startswith("[SANDBOX] Reversed")
    assert (await balances(engine, branch))[debit] - after_payment == 8000
    assert await postings_of(engine, branch, "reversal") == 1


async def test_a_movement_of_another_day_is_not_reversed_at_the_kiosk(kiosk: Any) -> None:
    client, engine, branch, _, _ = kiosk
    identity = await store_kyc(engine, branch)
    session = await start(client, branch, identity)
    await say(client, branch, session, "还信用卡一百元")
    paid = await say(client, branch, session, "确认")
    async with engine.begin() as connection:  # the session outlived midnight: the posting is yesterday's
        await connection.execute(
            text("UPDATE sandbox_core_postings SET local_day = local_day - 1 WHERE posting_id = :p"),
            {"p": paid["screen"]["posting_id"]},
        )
    await say(client, branch, session, "撤销刚才的还款")
    refused = await say(client, branch, session, "确认")
    assert "只能撤销当天的交易" in refused["reply"] and "柜台" in refused["reply"]
    assert (refused["end"], refused["end_reason"]) == ("handed_off", "core_refused")
    assert await postings_of(engine, branch, "reversal") == 0 and await postings_of(engine, branch) == 1


async def test_without_an_identity_nothing_is_reversed(kiosk: Any) -> None:
    client, _, branch, _, _ = kiosk
    anonymous = await start(client, branch)
    told = await say(client, branch, anonymous, "撤销刚才的转账")
    assert "没有办理可撤销的交易" in told["reply"] and "screen" not in told
