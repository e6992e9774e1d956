"""The SANDBOX core's self-services on real PostgreSQL through the records app: mobile banking, SMS alerts,
the digital RMB wallet (opened, then topped up by a posting), a credit card's activation, a PIN change (salted
scrypt hash only, weak PINs refused) and pension credits; each with identity, confirmation and an idempotency
key, refusals with their reason and nothing changed, the audit masked (never a PIN)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from branchops.devstack import TansuBroker
from tests.integration.sandbox_core_support import (
    SERVICE,
    TELLER,
    SandboxEnv,
    account,
    balances,
    customer,
    idempotency_key,
    ledger_consistent,
    postings_of,
    seeded_core,
    store_kyc,
)

SECOND_MASKED = "1101**********5678"
THIRD_MASKED = "4403**********0021"


@pytest.fixture
async def env(session_broker: TansuBroker, redis_url: str, database_url: str) -> AsyncIterator[SandboxEnv]:
    async with seeded_core(database_url, redis_url, session_broker.bootstrap) as running:
        yield running


def _base(branch: str, who: int = 1) -> str:
    return f"/v1/sandbox-core/branches/{branch}/customers/{customer(branch, who)}"


def _problem(response: httpx.Response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["x-sandbox-core"] == "1"
    assert response.json()["reason"] == reason and response.json()["sandbox"] is True


async def _enrol(
    client: httpx.AsyncClient,
    branch: str,
    service: str,
    identity: str | None,
    *,
    who: int = 1,
    key: str = "",
    **extra: Any,
) -> httpx.Response:
    body = {"confirmed": True, "identity": identity, **extra}
    headers = {**SERVICE, "Idempotency-Key": key or idempotency_key()}
    return await client.post(f"{_base(branch, who)}/services/{service}", json=body, headers=headers)


async def _services(client: httpx.AsyncClient, branch: str, who: int = 1) -> dict[str, Any]:
    got = await client.get(f"{_base(branch, who)}/services", headers=TELLER)
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


async def _audit(engine: AsyncEngine, branch: str) -> list[tuple[str, str, str | None, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT action, outcome, reason, detail::text AS detail FROM sandbox_core_audit WHERE branch_id = :b"
                " ORDER BY audit_id"
            ),
            {"b": branch},
        )
        return [(r.action, r.outcome, r.reason, r.detail) for r in rows]


async def test_mobile_banking_once_then_already_enrolled_with_the_masked_phone(env: Any) -> None:
    _, client, engine, branch = env
    identity = await store_kyc(engine, branch)
    assert (await _services(client, branch))["phone_masked"] == "138****1234"
    key = idempotency_key()
    done = await _enrol(client, branch, "mobile_banking", identity, key=key)
    assert done.status_code == 201, done.text
    assert done.json()["change"]["detail"] == {"phone_masked": "138****1234"} and done.json()["sandbox"] is True
    again = await _enrol(client, branch, "mobile_banking", identity, key=key)  # a retry: the stored answer
    assert again.json() == done.json() and again.headers["idempotent-replayed"] == "true"
    _problem(await _enrol(client, branch, "mobile_banking", identity), 409, "already_enrolled")
    states = [s for s in (await _services(client, branch))["services"] if s["service"] == "mobile_banking"]
    assert [s["state"] for s in states] == ["active"]
    _problem(await _enrol(client, branch, "pizza", identity), 404, "unknown_service")
    assert [a[:3] for a in await _audit(engine, branch)] == [
        ("enrol_mobile_banking", "done", None),
        ("enrol_mobile_banking", "replayed", None),
        ("enrol_mobile_banking", "refused", "already_enrolled"),
    ]


async def test_a_change_needs_identity_confirmation_and_a_key_and_a_phone(env: Any) -> None:
    _, client, engine, branch = env
    identity = await store_kyc(engine, branch)
    _problem(await _enrol(client, branch, "mobile_banking", None), 403, "identity_not_verified")
    other = await store_kyc(engine, branch, masked=SECOND_MASKED)
    _problem(await _enrol(client, branch, "mobile_banking", other), 403, "identity_not_verified")
    unconfirmed = await client.post(
        f"{_base(branch)}/services/mobile_banking",
        json={"confirmed": False, "identity": identity},
        headers={**SERVICE, "Idempotency-Key": idempotency_key()},
    )
    _problem(unconfirmed, 422, "confirmation_required")
    keyless = await client.post(
        f"{_base(branch)}/services/mobile_banking", json={"confirmed": True, "identity": identity}, headers=SERVICE
    )
    _problem(keyless, 400, "idempotency_key_required")
    teller = await client.post(
        f"{_base(branch)}/services/mobile_banking",
        json={"confirmed": True, "identity": identity},
        headers={**TELLER, "Idempotency-Key": idempotency_key()},
    )
    assert teller.status_code == 403
    third = await store_kyc(engine, branch, masked=THIRD_MASKED)
    _problem(await _enrol(client, branch, "mobile_banking", third, who=3), 422, "no_phone")
    assert not [s for s in (await _services(client, branch))["services"] if s["service"] == "mobile_banking"]
    second = await store_kyc(engine, branch, masked=SECOND_MASKED)
    _problem(await _enrol(client, branch, "mobile_banking", second, who=2), 409, "already_enrolled")


async def test_sms_alerts_per_account_with_a_threshold(env: Any) -> None:
    _, client, engine, branch = env
    identity = await store_kyc(engine, branch)
    debit = account(branch, 1, 1)
    done = await _enrol(client, branch, "sms_alerts", identity, account_id=debit, threshold_minor=50_000)
    assert done.status_code == 201, done.text
    detail = done.json()["change"]["detail"]
    assert detail["threshold"] == "500.00" and detail["phone_masked"] == "138****1234"
    assert detail["account_masked"].startswith("6222****")
    _problem(
        await _enrol(client, branch, "sms_alerts", identity, account_id=debit, threshold_minor=100),
        409,
        "already_enrolled",
    )
    savings = await _enrol(client, branch, "sms_alerts", identity, account_id=account(branch, 1, 2), threshold_minor=0)
    assert savings.status_code == 201, savings.text
    _problem(
        await _enrol(client, branch, "sms_alerts", identity, account_id=account(branch, 1, 3), threshold_minor=-1),
        422,
        "amount_out_of_range",
    )
    _problem(
        await _enrol(client, branch, "sms_alerts", identity, account_id=account(branch, 2, 1), threshold_minor=1),
        404,
        "unknown_account",
    )
    _problem(
        await _enrol(client, branch, "sms_alerts", identity, account_id=account(branch, 1, 4), threshold_minor=1),
        422,
        "wrong_account_kind",
    )
    sms = [s for s in (await _services(client, branch))["services"] if s["service"] == "sms_alerts"]
    assert sorted(s["subject"] for s in sms) == [debit, account(branch, 1, 2)]


async def test_the_wallet_is_opened_once_and_topped_up_by_a_posting_within_its_cap(env: Any) -> None:
    _, client, engine, branch = env
    identity = await store_kyc(engine, branch)
    top_up = {"from_account_id": account(branch, 1, 1), "amount_minor": 20_000, "confirmed": True, "identity": identity}
    early = await client.post(
        f"{_base(branch)}/wallet-top-ups", json=top_up, headers={**SERVICE, "Idempotency-Key": idempotency_key()}
    )
    _problem(early, 404, "unknown_account")
    opened = await _enrol(client, branch, "digital_wallet", identity)
    assert opened.status_code == 201, opened.text
    wallet = opened.json()["change"]["account"]
    assert (
        wallet["kind"] == "digital_wallet"
        and wallet["balance_minor"] == 0
        and wallet["number_masked"].startswith("0031")
    )
    _problem(await _enrol(client, branch, "digital_wallet", identity), 409, "already_enrolled")
    before = await balances(engine, branch)
    key = idempotency_key()
    paid = await client.post(
        f"{_base(branch)}/wallet-top-ups", json=top_up, headers={**SERVICE, "Idempotency-Key": key}
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["posting"]["kind"] == "wallet_top_up"
    again = await client.post(
        f"{_base(branch)}/wallet-top-ups", json=top_up, headers={**SERVICE, "Idempotency-Key": key}
    )
    assert again.json() == paid.json() and again.headers["idempotent-replayed"] == "true"
    after = await balances(engine, branch)
    assert after[wallet["account_id"]] == 20_000
    assert after[account(branch, 1, 1)] == before[account(branch, 1, 1)] - 20_000
    over = {**top_up, "amount_minor": 1_000_000 - 20_000 + 1}
    _problem(
        await client.post(
            f"{_base(branch)}/wallet-top-ups", json=over, headers={**SERVICE, "Idempotency-Key": idempotency_key()}
        ),
        422,
        "limit_exceeded",
    )
    assert await postings_of(engine, branch, "wallet_top_up") == 1
    overview = await _services(client, branch)
    assert overview["wallet"]["balance_minor"] == 20_000
    await ledger_consistent(engine)


async def test_a_credit_card_is_activated_once(env: Any) -> None:
    _, client, engine, branch = env
    second = await store_kyc(engine, branch, masked=SECOND_MASKED)
    card = account(branch, 2, 3)
    assert [c["state"] for c in (await _services(client, branch, 2))["cards"]] == ["inactive"]
    done = await _enrol(client, branch, "card_activation", second, who=2, account_id=card)
    assert done.status_code == 201, done.text
    assert done.json()["change"]["state"] == "active"
    assert [c["state"] for c in (await _services(client, branch, 2))["cards"]] == ["active"]
    _problem(await _enrol(client, branch, "card_activation", second, who=2, account_id=card), 409, "already_active")
    _problem(
        await _enrol(client, branch, "card_activation", second, who=2, account_id=account(branch, 2, 1)),
        422,
        "wrong_account_kind",
    )
    first = await store_kyc(engine, branch)
    _problem(
        await _enrol(client, branch, "card_activation", first, account_id=account(branch, 1, 3)), 409, "already_active"
    )


async def _pin(
    client: httpx.AsyncClient, branch: str, identity: str, pin: Any, *, key: str = "", a: int = 1
) -> httpx.Response:
    return await client.post(
        f"{_base(branch)}/accounts/{account(branch, 1, a)}/pin",
        json={"new_pin": pin, "confirmed": True, "identity": identity},
        headers={**SERVICE, "Idempotency-Key": key or idempotency_key()},
    )


async def test_a_pin_is_kept_as_a_salted_scrypt_hash_and_weak_pins_are_refused(env: Any) -> None:
    _, client, engine, branch = env
    identity = await store_kyc(engine, branch)
    for weak in ("000000", "123456", "654321", "121212", "123123", "112233", "111222"):
        _problem(await _pin(client, branch, identity, weak), 422, "weak_pin")
    for bad in ("12345", "1234567", "12a456"):
        _problem(await _pin(client, branch, identity, bad), 422, "bad_pin")
    key = idempotency_key()
    done = await _pin(client, branch, identity, "582914", key=key)
    assert done.status_code == 201, done.text
    assert "582914" not in done.text and done.json()["change"]["state"] == "changed"
    again = await _pin(client, branch, identity, "582914", key=key)
    assert again.headers["idempotent-replayed"] == "true"
    _problem(await _pin(client, branch, identity, "582914"), 422, "weak_pin")  # the current PIN again
    other_card = await _pin(client, branch, identity, "582914", a=3)
    assert other_card.status_code == 201, other_card.text
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                text("SELECT account_id, salt, pin_hash, params FROM sandbox_core_pins WHERE account_id LIKE :p"),
                {"p": f"{customer(branch)}-%"},
            )
        ).all()
        everything = await connection.scalar(
            text(
                "SELECT string_agg(t::text, ' ') FROM (SELECT detail::text FROM sandbox_core_audit WHERE branch_id = :b"
                " UNION ALL SELECT response::text FROM sandbox_core_idempotency WHERE scope = :b"
                " UNION ALL SELECT request_hash FROM sandbox_core_idempotency WHERE scope = :b) t"
            ),
            {"b": branch},
        )
    assert len(rows) == 2 and rows[0].salt != rows[1].salt and rows[0].pin_hash != rows[1].pin_hash
    for row in rows:
        assert len(bytes(row.salt)) == 16 and row.params.startswith("scrypt:")
        expected = hashlib.scrypt(b"582914", salt=bytes(row.salt), n=2**14, r=8, p=1, dklen=32)
        assert bytes(row.pin_hash) == expected
    assert "582914" not in (everything or "") and "000000" not in (everything or "")
    assert hashlib.sha256(b"582914").hexdigest() not in (everything or "")


async def test_pension_credits_of_the_demo_customers(env: Any) -> None:
    _, client, engine, branch = env
    got = await client.get(f"{_base(branch)}/pension-credits", headers=TELLER)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["sandbox"] is True and len(body["credits"]) == 3 and body["total"] == "9750.00"
    today = dt.date.fromisoformat(body["to"])
    assert [dt.date.fromisoformat(c["day"]) for c in body["credits"]] == [
        today - dt.timedelta(days=d) for d in (75, 45, 15)
    ]
    assert all(c["account_masked"].startswith("6217****") for c in body["credits"])
    recent = await client.get(
        f"{_base(branch)}/pension-credits",
        params={"from": (today - dt.timedelta(days=30)).isoformat(), "to": today.isoformat()},
        headers=TELLER,
    )
    assert [c["amount"] for c in recent.json()["credits"]] == ["3250.00"]
    none = await client.get(f"{_base(branch, 2)}/pension-credits", headers=TELLER)
    assert none.json()["credits"] == [] and none.json()["total"] == "0.00"
    service = await client.get(f"{_base(branch)}/pension-credits", headers=SERVICE)
    _problem(service, 403, "identity_not_verified")
    identity = await store_kyc(engine, branch)
    assert (
        await client.get(f"{_base(branch)}/pension-credits", params={"identity": identity}, headers=SERVICE)
    ).status_code == 200
    bad = await client.get(f"{_base(branch)}/pension-credits", params={"from": "2026-13-01"}, headers=TELLER)
    _problem(bad, 400, "bad_date")
    await ledger_consistent(engine)
