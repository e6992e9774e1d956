"""The voice side's ``CoreBanking`` adapter against the real records app and its SANDBOX core (ASGI transport):
reads come back masked and labelled; a movement whose answer is lost (timeout) is sent again with the same
key and posted once; refusals keep their reason; a core that never answers leaves nothing posted."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from branchops.devstack import TansuBroker
from services.voice.adapters.core_banking_http import CoreBankingHttp
from services.voice.domain.banking import Authorisation, BankingRefused, CoreBanking, movement_key
from tests.integration.sandbox_core_support import (
    SERVICE,
    account,
    balances,
    customer,
    ledger_consistent,
    postings_of,
    seeded_core,
    store_kyc,
)


class LosesAnswers(httpx.AsyncBaseTransport):
    """Hands each request to the app; the first ``lose`` POST answers are lost on the way back (a read timeout
    after the core did the work); ``down`` fails every request before it reaches the app."""

    def __init__(self, app: FastAPI, *, lose: int = 0, down: bool = False) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.lose = lose
        self.down = down
        self.requests: list[tuple[str, str | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.headers.get("Idempotency-Key")))
        if self.down:
            raise httpx.ConnectTimeout("core unreachable", request=request)
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and self.lose > 0:
            self.lose -= 1
            await response.aread()
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


@pytest.fixture
async def env(
    session_broker: TansuBroker, redis_url: str, database_url: str
) -> AsyncIterator[tuple[FastAPI, Any, str]]:
    async with seeded_core(database_url, redis_url, session_broker.bootstrap) as (app, _, engine, branch):
        yield app, engine, branch


def _core(transport: httpx.AsyncBaseTransport, http: httpx.AsyncClient) -> CoreBanking:
    return CoreBankingHttp(http, "http://records", SERVICE["X-API-Key"], timeout_s=2.0, attempts=3, backoff_s=0.01)


async def test_reads_are_masked_and_labelled(env: Any) -> None:
    app, engine, branch = env
    identity = await store_kyc(engine, branch)
    transport = LosesAnswers(app)
    async with httpx.AsyncClient(transport=transport) as http:
        core = _core(transport, http)
        found = await core.customers_for(branch, identity)
        assert [c.customer_id for c in found] == [customer(branch)], "the KYC session names the first customer"
        accounts = await core.accounts(branch, customer(branch), identity)
        assert [a.kind for a in accounts] == ["debit_card", "savings", "credit_card", "loan"]
        assert all(len(a.number_masked) == 12 and a.number_masked[4:8] == "****" for a in accounts)
        card = await core.balance(branch, customer(branch), identity, account(branch, 1, 3))
        assert (card.balance_minor, card.credit_limit_minor, card.available_minor) == (-123_450, 2_000_000, 1_876_550)
        statement = await core.statement(branch, customer(branch), identity, account(branch, 1, 1), None, None)
        assert statement.sandbox and [line.kind for line in statement.lines] == ["opening"]
        assert statement.end - statement.start == dt.timedelta(days=29)
        assert {r.currency for r in await core.fx_rates()} == {"USD", "EUR", "HKD", "JPY"}
        assert any(r.product == "time_deposit_1y" for r in await core.interest_rates())
        with pytest.raises(BankingRefused) as refused:
            await core.balance(branch, customer(branch), identity, account(branch, 2, 1))
        assert refused.value.reason == "not_own_account" and not refused.value.outcome_unknown
        with pytest.raises(BankingRefused) as refused:
            await core.accounts(branch, customer(branch, 2), identity)
        assert refused.value.reason == "identity_not_verified", "another customer's KYC opens nothing"


async def test_a_movement_whose_answer_is_lost_is_retried_with_its_key_and_posted_once(env: Any) -> None:
    app, engine, branch = env
    identity = await store_kyc(engine, branch)
    before = await balances(engine, branch)
    transport = LosesAnswers(app, lose=2)
    auth = Authorisation(identity=identity, confirmed=True, idempotency_key=movement_key("vs-1", 4, "transfer"))
    async with httpx.AsyncClient(transport=transport) as http:
        core = _core(transport, http)
        result = await core.transfer(
            branch, customer(branch), auth, account(branch, 1, 1), account(branch, 1, 2), 20_000
        )
    assert result.replayed and result.sandbox and result.posting.amount_minor == 20_000
    assert [key for method, key in transport.requests] == [auth.idempotency_key] * 3, "one key on every attempt"
    assert await postings_of(engine, branch) == 1
    after = await balances(engine, branch)
    assert after[account(branch, 1, 1)] == before[account(branch, 1, 1)] - 20_000
    await ledger_consistent(engine)


async def test_refusals_keep_their_reason_and_a_dead_core_posts_nothing(env: Any) -> None:
    app, engine, branch = env
    identity = await store_kyc(engine, branch)
    transport = LosesAnswers(app)
    async with httpx.AsyncClient(transport=transport) as http:
        core = _core(transport, http)
        c1, debit, card = customer(branch), account(branch, 1, 1), account(branch, 1, 3)

        async def reason(auth: Authorisation, amount: int) -> str:
            with pytest.raises(BankingRefused) as refused:
                await core.repay_card(branch, c1, auth, debit, card, amount)
            return refused.value.reason

        ok = Authorisation(identity, True, movement_key("vs-2", 1, "credit_card_repayment"))
        assert await reason(ok, 123_451) == "amount_out_of_range"
        assert (
            await reason(Authorisation(identity, False, movement_key("vs-2", 2, "x")), 100) == "confirmation_required"
        )
        assert (
            await reason(Authorisation("kyc-none", True, movement_key("vs-2", 3, "x")), 100) == "identity_not_verified"
        )
        repaid = await core.repay_card(branch, c1, ok, debit, card, 23_450)
        assert not repaid.replayed and {a.kind: a.balance_minor for a in repaid.accounts}["credit_card"] == -100_000
        reversed_ = await core.reverse(
            branch, c1, Authorisation(identity, True, movement_key("vs-2", 5, "rev")), repaid.posting.posting_id
        )
        assert reversed_.posting.reverses == repaid.posting.posting_id
        paid = await core.pay_utility(
            branch,
            c1,
            Authorisation(identity, True, movement_key("vs-2", 6, "util")),
            debit,
            "sbx-biller-water",
            "WT-556677",
            4_200,
        )
        assert paid.posting.reference_masked == "****77"
    down = LosesAnswers(app, down=True)
    async with httpx.AsyncClient(transport=down) as http:
        with pytest.raises(BankingRefused) as refused:
            await _core(down, http).transfer(
                branch, c1, Authorisation(identity, True, movement_key("vs-3", 1, "t")), debit, account(branch, 1, 2), 1
            )
    assert refused.value.outcome_unknown and len(down.requests) == 3
    assert await postings_of(engine, branch) == 3
    await ledger_consistent(engine)
