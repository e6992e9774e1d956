"""The SANDBOX core on real PostgreSQL through the records app: reads masked and labelled, money movements
with identity, confirmation and idempotency keys, every bad input refused with its reason and nothing posted,
limits, reversals once, concurrent movements that never overdraw, the audit log."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from branchops.contracts.enums import KycDecision
from branchops.devstack import TansuBroker
from tests.conftest import make_platform
from tests.integration.sandbox_core_support import (
    MANAGER,
    SERVICE,
    TELLER,
    SandboxEnv,
    account,
    balances,
    customer,
    idempotency_key,
    ledger_consistent,
    new_branch,
    postings_of,
    running_core,
    seeded,
    seeded_core,
    store_kyc,
)

MASKED = re.compile(r"^\d{4}\*{4}\d{4}$")


@pytest.fixture
async def env(session_broker: TansuBroker, redis_url: str, database_url: str) -> AsyncIterator[SandboxEnv]:
    async with seeded_core(database_url, redis_url, session_broker.bootstrap) as running:
        yield running


def _problem(response: httpx.Response, status: int, reason: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-sandbox-core"] == "1"
    body: dict[str, Any] = response.json()
    assert body["reason"] == reason and body["sandbox"] is True, body
    return body


async def _transfer(
    client: httpx.AsyncClient,
    branch: str,
    identity: str | None,
    amount: Any,
    *,
    key: str | None = None,
    source: int = 1,
    target: int = 2,
    who: int = 1,
    confirmed: bool = True,
) -> httpx.Response:
    body: dict[str, Any] = {
        "from_account_id": account(branch, who, source),
        "to_account_id": account(branch, who, target),
        "amount_minor": amount,
        "currency": "CNY",
        "confirmed": confirmed,
        "identity": identity,
    }
    headers = {**SERVICE, **({"Idempotency-Key": key} if key else {})}
    return await client.post(
        f"/v1/sandbox-core/branches/{branch}/customers/{customer(branch, who)}/transfers", json=body, headers=headers
    )


async def test_accounts_are_masked_labelled_and_seeded_deterministically(env: Any) -> None:
    app, client, engine, branch = env
    got = await client.get(f"/v1/sandbox-core/branches/{branch}/customers/{customer(branch)}/accounts", headers=TELLER)
    assert got.status_code == 200 and got.headers["x-sandbox-core"] == "1"
    body = got.json()
    assert body["sandbox"] is True
    kinds = {a["kind"]: a for a in body["accounts"]}
    assert set(kinds) == {"debit_card", "savings", "credit_card", "loan"}
    assert kinds["debit_card"]["balance_minor"] == 1_234_567 and kinds["debit_card"]["balance"] == "12345.67"
    assert kinds["credit_card"]["balance_minor"] == -123_450 and kinds["credit_card"]["available_minor"] == 1_876_550
    assert all(MASKED.match(a["number_masked"]) for a in body["accounts"])
    async with engine.connect() as connection:
        numbers = (await connection.execute(text("SELECT number FROM sandbox_core_accounts"))).scalars().all()
    assert not any(n in got.text for n in numbers), "no full account number leaves the core"
    assert await app.state.sandbox_core.seed(branch) == 0, "seeding again adds nothing"
    again = await client.get(
        f"/v1/sandbox-core/branches/{branch}/customers/{customer(branch)}/accounts", headers=TELLER
    )
    assert again.json() == body
    other = await client.get(
        f"/v1/sandbox-core/branches/{new_branch()}/customers/{customer(branch)}/accounts", headers=TELLER
    )
    _problem(other, 404, "unknown_customer")
    rates = await client.get("/v1/sandbox-core/fx-rates", headers=TELLER)
    assert rates.json()["sandbox"] is True and "SANDBOX" in rates.json()["note"]
    await ledger_consistent(engine)


async def test_a_transfer_retried_with_its_key_is_posted_once(env: Any) -> None:
    _, client, engine, branch = env
    identity = await store_kyc(engine, branch)
    before = await balances(engine, branch)
    key = idempotency_key()
    first = await _transfer(client, branch, identity, 50_000, key=key)
    assert first.status_code == 201, first.text
    posting = first.json()["posting"]
    assert posting["amount"] == "500.00" and [leg["amount_minor"] for leg in posting["legs"]] == [-50_000, 50_000]
    assert all(MASKED.match(leg["account_masked"]) for leg in posting["legs"])
    retried = await _transfer(client, branch, identity, 50_000, key=key)
    assert retried.status_code == 201 and retried.json() == first.json()
    assert retried.headers["idempotent-replayed"] == "true"
    after = await balances(engine, branch)
    assert after[account(branch, 1, 1)] == before[account(branch, 1, 1)] - 50_000
    assert after[account(branch, 1, 2)] == before[account(branch, 1, 2)] + 50_000
    assert await postings_of(engine, branch) == 1
    _problem(await _transfer(client, branch, identity, 50_001, key=key), 409, "idempotency_conflict")
    assert await postings_of(engine, branch) == 1
    await ledger_consistent(engine)


async def test_bad_inputs_are_refused_with_their_reason_and_nothing_is_posted(env: Any) -> None:
    _, client, engine, branch = env
    identity = await store_kyc(engine, branch)
    before = await balances(engine, branch)
    for amount in (0, -100, 1.5, 10**15):
        _problem(await _transfer(client, branch, identity, amount, key=idempotency_key()), 422, "amount_out_of_range")
    _problem(await _transfer(client, branch, identity, 100), 400, "idempotency_key_required")
    _problem(
        await _transfer(client, branch, identity, 100, key=idempotency_key(), confirmed=False),
        422,
        "confirmation_required",
    )
    _problem(await _transfer(client, branch, identity, 100, key=idempotency_key(), target=9), 404, "unknown_account")
    c1 = customer(branch)
    not_own = await client.post(
        f"/v1/sandbox-core/branches/{branch}/customers/{c1}/transfers",
        json={
            "from_account_id": account(branch, 1, 1),
            "to_account_id": account(branch, 2, 1),
            "amount_minor": 100,
            "confirmed": True,
            "identity": identity,
        },
        headers={**SERVICE, "Idempotency-Key": idempotency_key()},
    )
    _problem(not_own, 403, "not_own_account")
    rejected = await store_kyc(engine, branch, decision=KycDecision.REJECTED)
    stale = await store_kyc(engine, branch, ago=dt.timedelta(minutes=20))
    someone_else = await store_kyc(engine, branch, masked="1101**********5678")
    elsewhere = await store_kyc(engine, new_branch())
    for proof in (None, "kyc-unknown", rejected, stale, someone_else, elsewhere):
        _problem(await _transfer(client, branch, proof, 100, key=idempotency_key()), 403, "identity_not_verified")
    # customer 3's debit card is empty
    empty = await store_kyc(engine, branch, masked="4403**********0021")
    _problem(await _transfer(client, branch, empty, 1, key=idempotency_key(), who=3), 422, "insufficient_funds")
    _problem(await _transfer(client, branch, identity, 1_000_001, key=idempotency_key()), 422, "limit_exceeded")
    assert await balances(engine, branch) == before and await postings_of(engine, branch) == 0
    audit = await client.get(f"/v1/sandbox-core/branches/{branch}/audit", params={"limit": 100}, headers=MANAGER)
    reasons = [e["reason"] for e in audit.json()["entries"]]
    assert all(e["outcome"] == "refused" for e in audit.json()["entries"])
    assert reasons.count("identity_not_verified") == 6 and reasons.count("amount_out_of_range") == 4
    assert {"limit_exceeded", "insufficient_funds", "not_own_account", "unknown_account"} <= set(reasons)


async def test_daily_limit_counts_the_days_movements(env: Any) -> None:
    _, client, engine, branch = env
    identity = await store_kyc(engine, branch)
    # from savings (50,000.00): the limits refuse, not the funds
    assert (
        await _transfer(client, branch, identity, 1_000_000, key=idempotency_key(), source=2, target=1)
    ).status_code == 201
    body = _problem(
        await _transfer(client, branch, identity, 500_001, key=idempotency_key(), source=2, target=1),
        422,
        "limit_exceeded",
    )
    assert "5000.00 CNY left today" in body["detail"]
    assert (
        await _transfer(client, branch, identity, 500_000, key=idempotency_key(), source=2, target=1)
    ).status_code == 201
    _problem(
        await _transfer(client, branch, identity, 1, key=idempotency_key(), source=2, target=1), 422, "limit_exceeded"
    )
    assert await postings_of(engine, branch) == 2


async def test_card_repayment_utility_payment_and_statement(env: Any) -> None:
    _, client, engine, branch = env
    identity = await store_kyc(engine, branch)
    base = f"/v1/sandbox-core/branches/{branch}/customers/{customer(branch)}"
    card = {
        "from_account_id": account(branch, 1, 1),
        "card_account_id": account(branch, 1, 3),
        "currency": "CNY",
        "confirmed": True,
        "identity": identity,
    }
    too_much = await client.post(
        f"{base}/card-repayments",
        json={**card, "amount_minor": 123_451},
        headers={**SERVICE, "Idempotency-Key": idempotency_key()},
    )
    _problem(too_much, 422, "amount_out_of_range")
    repaid = await client.post(
        f"{base}/card-repayments",
        json={**card, "amount_minor": 123_450},
        headers={**SERVICE, "Idempotency-Key": idempotency_key()},
    )
    assert repaid.status_code == 201, repaid.text
    assert {a["kind"]: a["balance_minor"] for a in repaid.json()["accounts"]}["credit_card"] == 0
    bill = {
        "from_account_id": account(branch, 1, 1),
        "biller_id": "sbx-biller-power",
        "bill_reference": "EL-20261207-88",
        "amount_minor": 8_850,
        "confirmed": True,
        "identity": identity,
    }
    unknown = await client.post(
        f"{base}/utility-payments",
        json={**bill, "biller_id": "sbx-biller-none"},
        headers={**SERVICE, "Idempotency-Key": idempotency_key()},
    )
    _problem(unknown, 404, "unknown_biller")
    paid = await client.post(
        f"{base}/utility-payments", json=bill, headers={**SERVICE, "Idempotency-Key": idempotency_key()}
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["posting"]["reference"] == "EL-2****7-88"
    today = dt.date.fromisoformat(paid.json()["posting"]["day"])
    statement = await client.get(
        f"{base}/accounts/{account(branch, 1, 1)}/statement",
        params={"from": (today - dt.timedelta(days=7)).isoformat(), "to": today.isoformat()},
        headers=TELLER,
    )
    assert statement.status_code == 200, statement.text
    lines = statement.json()["lines"]
    assert [(line["kind"], line["amount_minor"]) for line in lines] == [
        ("opening", 1_234_567),
        ("card_repayment", -123_450),
        ("utility_payment", -8_850),
    ]
    assert all(MASKED.match(m) for line in lines for m in line["counterparty_masked"])
    assert statement.json()["account"]["balance_minor"] == 1_234_567 - 123_450 - 8_850
    bad = await client.get(
        f"{base}/accounts/{account(branch, 1, 1)}/statement",
        params={"from": today.isoformat(), "to": (today - dt.timedelta(days=1)).isoformat()},
        headers=TELLER,
    )
    _problem(bad, 400, "bad_range")
    await ledger_consistent(engine)


async def test_a_reversal_compensates_once_and_only_on_the_same_day(env: Any) -> None:
    _, client, engine, branch = env
    identity = await store_kyc(engine, branch)
    before = await balances(engine, branch)
    made = await _transfer(client, branch, identity, 70_000, key=idempotency_key())
    posting_id = made.json()["posting"]["posting_id"]
    base = f"/v1/sandbox-core/branches/{branch}/customers/{customer(branch)}/postings"

    async def reverse(pid: int, key: str | None = None) -> httpx.Response:
        return await client.post(
            f"{base}/{pid}/reversal",
            json={"confirmed": True, "identity": identity},
            headers={**SERVICE, "Idempotency-Key": key or idempotency_key()},
        )

    reversed_ = await reverse(posting_id)
    assert reversed_.status_code == 201, reversed_.text
    assert reversed_.json()["posting"]["reverses"] == posting_id
    assert await balances(engine, branch) == before
    _problem(await reverse(posting_id), 409, "already_reversed")
    _problem(await reverse(reversed_.json()["posting"]["posting_id"]), 409, "not_reversible")
    _problem(await reverse(10**17), 404, "unknown_posting")
    yesterday = await _transfer(client, branch, identity, 1_000, key=idempotency_key())
    old_id = yesterday.json()["posting"]["posting_id"]
    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE sandbox_core_postings SET local_day = local_day - 1 WHERE posting_id = :p"), {"p": old_id}
        )
    _problem(await reverse(old_id), 409, "not_reversible")
    # five reversals of one posting at once: one compensates, the others are refused
    third = (await _transfer(client, branch, identity, 2_000, key=idempotency_key())).json()["posting"]["posting_id"]
    five = await asyncio.gather(*(reverse(third) for _ in range(5)))
    assert sorted(r.status_code for r in five) == [201, 409, 409, 409, 409], [r.text for r in five]
    assert {r.json()["reason"] for r in five if r.status_code == 409} == {"already_reversed"}
    assert await postings_of(engine, branch, "reversal") == 2
    await ledger_consistent(engine)


async def test_concurrent_debits_never_overdraw_and_a_key_sent_at_once_posts_once(env: Any) -> None:
    """20 transfers of 1,000.00 at once from a debit card holding 12,345.67 (limits raised out of the way):
    exactly 12 go through, the rest are insufficient_funds; 10 copies of one request with one key: one posting."""
    app, client, engine, branch = env
    app.state.sandbox_core.limits["CNY"] = type(app.state.sandbox_core.limits["CNY"])(10**9, 10**10)
    identity = await store_kyc(engine, branch)
    answers = await asyncio.gather(
        *(_transfer(client, branch, identity, 100_000, key=idempotency_key()) for _ in range(20))
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 12 + [422] * 8, statuses
    assert all(a.json()["reason"] == "insufficient_funds" for a in answers if a.status_code == 422)
    assert (await balances(engine, branch))[account(branch, 1, 1)] == 34_567
    key = idempotency_key()
    same = await asyncio.gather(
        *(_transfer(client, branch, identity, 1_000, key=key, source=2, target=1) for _ in range(10))
    )
    assert {a.status_code for a in same} == {201}
    assert len({json.dumps(a.json(), sort_keys=True) for a in same}) == 1
    async with engine.connect() as connection:
        count = await connection.scalar(
            text("SELECT count(*) FROM sandbox_core_postings WHERE idempotency_key = :k"), {"k": key}
        )
    assert count == 1
    await ledger_consistent(engine)


async def test_the_audit_log_is_masked(env: Any) -> None:
    _, client, engine, branch = env
    identity = await store_kyc(engine, branch)
    await _transfer(client, branch, identity, 1_000, key=idempotency_key())
    await _transfer(client, branch, identity, 10**15, key=idempotency_key())
    got = await client.get(f"/v1/sandbox-core/branches/{branch}/audit", headers=MANAGER)
    entries = got.json()["entries"]
    assert [(e["outcome"], e["reason"]) for e in entries] == [("refused", "amount_out_of_range"), ("posted", None)]
    assert entries[1]["subject"] and entries[1]["role"] == "service" and entries[1]["posting_id"]
    async with engine.connect() as connection:
        numbers = (await connection.execute(text("SELECT number FROM sandbox_core_accounts"))).scalars().all()
    assert not any(n in got.text for n in numbers)
    teller = await client.get(f"/v1/sandbox-core/branches/{branch}/audit", headers=TELLER)
    assert teller.status_code == 403


async def test_the_start_seeds_the_branches_the_setting_names(
    session_broker: TansuBroker, redis_url: str, database_url: str
) -> None:
    """``RECORDS_SANDBOX_CORE_SEED_BRANCHES`` (what ``branchops up`` sets for its branch): customers at start."""
    branch = new_branch()
    platform = make_platform(session_broker.bootstrap)
    async with running_core(database_url, redis_url, platform, sandbox_core_seed_branches=[branch]) as (_, client):
        got = await client.get(f"/v1/sandbox-core/branches/{branch}/customers", headers=TELLER)
    assert [c["customer_id"] for c in got.json()["customers"]] == [customer(branch, n) for n in (1, 2, 3)]
    assert got.json()["customers"][0]["id_number_masked"] == "3201**********1234"


async def test_a_movement_that_times_out_on_a_lock_posts_nothing_and_its_retry_posts_once(
    session_broker: TansuBroker, redis_url: str, database_url: str
) -> None:
    """The customer's row held by someone else past the lock timeout: 503 with Retry-After, nothing posted, the
    key free; the same request with the same key once the lock is gone: one posting."""
    platform = make_platform(session_broker.bootstrap)
    async with running_core(database_url, redis_url, platform, database_timeout_s=1.0) as (app, client):
        branch = new_branch()
        await seeded(app, branch)
        engine: AsyncEngine = app.state.engine
        identity = await store_kyc(engine, branch)
        key = idempotency_key()
        async with engine.connect() as holder:
            await holder.execute(
                text("SELECT 1 FROM sandbox_core_customers WHERE customer_id = :c FOR UPDATE"), {"c": customer(branch)}
            )
            timed_out = await _transfer(client, branch, identity, 10_000, key=key)
            await holder.rollback()
        assert timed_out.status_code == 503 and timed_out.headers["retry-after"], timed_out.text
        assert await postings_of(engine, branch) == 0
        retried = await _transfer(client, branch, identity, 10_000, key=key)
        assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers, retried.text
        again = await _transfer(client, branch, identity, 10_000, key=key)
        assert again.json() == retried.json() and await postings_of(engine, branch) == 1
        await ledger_consistent(engine)


async def test_a_service_reads_a_customer_only_with_their_identity(env: Any) -> None:
    """Staff read at the counter; the digital employee (a service credential) reads a customer's data only with a
    recent approved KYC session of that customer, and learns who the customer is from it."""
    _, client, engine, branch = env
    identity = await store_kyc(engine, branch)
    stale = await store_kyc(engine, branch, ago=dt.timedelta(minutes=20))
    base = f"/v1/sandbox-core/branches/{branch}"
    accounts = f"{base}/customers/{customer(branch)}/accounts"
    _problem(await client.get(accounts, headers=SERVICE), 403, "identity_not_verified")
    _problem(await client.get(accounts, params={"identity": stale}, headers=SERVICE), 403, "identity_not_verified")
    other = f"{base}/customers/{customer(branch, 2)}/accounts"
    _problem(await client.get(other, params={"identity": identity}, headers=SERVICE), 403, "identity_not_verified")
    assert (await client.get(accounts, params={"identity": identity}, headers=SERVICE)).status_code == 200
    statement = f"{base}/customers/{customer(branch)}/accounts/{account(branch, 1, 1)}/statement"
    _problem(await client.get(statement, headers=SERVICE), 403, "identity_not_verified")
    assert (await client.get(statement, params={"identity": identity}, headers=SERVICE)).status_code == 200
    _problem(await client.get(f"{base}/customers", headers=SERVICE), 400, "identity_required")
    named = await client.get(f"{base}/customers", params={"identity": identity}, headers=SERVICE)
    assert [c["customer_id"] for c in named.json()["customers"]] == [customer(branch)]
    _problem(
        await client.get(f"{base}/customers", params={"identity": stale}, headers=SERVICE), 403, "identity_not_verified"
    )
    staff = await client.get(f"{base}/customers", headers=TELLER)
    assert len(staff.json()["customers"]) == 3
