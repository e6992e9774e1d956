"""The ``CoreBanking`` port (domain/banking.py) over HTTP: the records service's SANDBOX core
(``/v1/sandbox-core``, docs/core-banking.md), or a bank's integration that speaks the same API.

Every call has a timeout. A money movement that gets no answer (a timeout, a dropped connection, a 502/503/504)
is sent again with the same ``Idempotency-Key``: the core posts it once and answers a repeat with the stored
response. When every attempt fails the outcome is unknown (``core_unavailable``); the caller asks again later
with the same :class:`Authorisation` (same key) to learn it. Reads are retried the same way.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

import httpx

from services.voice.domain.banking import (
    AccountSummary,
    Authorisation,
    BankingRefused,
    CardState,
    ChangeResult,
    CustomerRef,
    FxRate,
    InterestRate,
    Pension,
    PensionCredit,
    Posting,
    PostingResult,
    SelfServices,
    ServiceState,
    Statement,
    StatementLine,
)

log = logging.getLogger(__name__)
PREFIX = "/v1/sandbox-core"
PASSING_STATUSES = frozenset({502, 503, 504})


def _account(data: dict[str, Any]) -> AccountSummary:
    limit = data.get("credit_limit_minor")
    return AccountSummary(
        account_id=str(data["account_id"]),
        number_masked=str(data["number_masked"]),
        kind=str(data["kind"]),
        name=str(data.get("name", "")),
        currency=str(data["currency"]),
        balance_minor=int(data["balance_minor"]),
        available_minor=int(data["available_minor"]),
        credit_limit_minor=None if limit is None else int(limit),
    )


def _result(data: dict[str, Any], replayed: bool) -> PostingResult:
    p = data["posting"]
    posting = Posting(
        posting_id=int(p["posting_id"]),
        kind=str(p["kind"]),
        currency=str(p["currency"]),
        amount_minor=int(p["amount_minor"]),
        at=str(p["at"]),
        day=str(p["day"]),
        reference_masked=p.get("reference"),
        reverses=p.get("reverses"),
    )
    accounts = tuple(_account(a) for a in data.get("accounts", []))
    return PostingResult(posting, accounts, replayed, bool(data.get("sandbox", False)))


def _change(data: dict[str, Any], replayed: bool) -> ChangeResult:
    change = data["change"]
    wallet = change.get("account")
    return ChangeResult(
        service=str(change["service"]),
        state=str(change["state"]),
        detail=dict(change.get("detail") or {}),
        wallet=_account(wallet) if isinstance(wallet, dict) else None,
        replayed=replayed,
        sandbox=bool(data.get("sandbox", False)),
    )


class CoreBankingHttp:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 5.0,
        attempts: int = 3,
        backoff_s: float = 0.2,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/") + PREFIX
        self.api_key = api_key
        self.timeout = httpx.Timeout(timeout_s)
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s

    async def _call(
        self, method: str, path: str, *, params: dict[str, str] | None = None, body: Any = None, key: str | None = None
    ) -> httpx.Response:
        headers = {"X-API-Key": self.api_key}
        if key is not None:
            headers["Idempotency-Key"] = key
        last = "no attempt"
        for attempt in range(1, self.attempts + 1):
            try:
                response = await self.http.request(
                    method, self.base_url + path, params=params, json=body, headers=headers, timeout=self.timeout
                )
            except httpx.TransportError as exc:  # timeouts, refused or dropped connections
                last = type(exc).__name__
            else:
                if response.status_code not in PASSING_STATUSES:
                    return response
                last = f"HTTP {response.status_code}"
            log.warning("core banking %s %s: %s (attempt %d of %d)", method, path, last, attempt, self.attempts)
            if attempt < self.attempts:
                await asyncio.sleep(self.backoff_s * attempt)
        raise BankingRefused("core_unavailable", f"the core did not answer ({last}); outcome unknown, ask again")

    async def _json(self, response: httpx.Response, *ok: int) -> dict[str, Any]:
        if response.status_code in ok:
            data: dict[str, Any] = response.json()
            return data
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        reason = problem.get("reason") if isinstance(problem, dict) else None
        detail = problem.get("detail", "") if isinstance(problem, dict) else ""
        raise BankingRefused(str(reason or "core_error"), str(detail), status=response.status_code)

    async def _get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        return await self._json(await self._call("GET", path, params=params), 200)

    async def _move(self, path: str, auth: Authorisation, fields: dict[str, Any]) -> PostingResult:
        body = {**fields, "confirmed": auth.confirmed, "identity": auth.identity}
        response = await self._call("POST", path, body=body, key=auth.idempotency_key)
        data = await self._json(response, 200, 201)
        return _result(data, response.headers.get("Idempotent-Replayed") == "true")

    @staticmethod
    def _customer(branch_id: str, customer_id: str) -> str:
        return f"/branches/{branch_id}/customers/{customer_id}"

    # ------------------------------------------------------------------------------------------------ reads
    async def customers_for(self, branch_id: str, identity: str) -> list[CustomerRef]:
        data = await self._get(f"/branches/{branch_id}/customers", {"identity": identity})
        return [
            CustomerRef(str(c["customer_id"]), str(c.get("display_name", "")), str(c.get("id_number_masked", "")))
            for c in data["customers"]
        ]

    async def accounts(self, branch_id: str, customer_id: str, identity: str) -> list[AccountSummary]:
        data = await self._get(self._customer(branch_id, customer_id) + "/accounts", {"identity": identity})
        return [_account(a) for a in data["accounts"]]

    async def balance(self, branch_id: str, customer_id: str, identity: str, account_id: str) -> AccountSummary:
        path = self._customer(branch_id, customer_id) + f"/accounts/{account_id}"
        data = await self._get(path, {"identity": identity})
        return _account(data["account"])

    async def statement(
        self,
        branch_id: str,
        customer_id: str,
        identity: str,
        account_id: str,
        start: dt.date | None,
        end: dt.date | None,
    ) -> Statement:
        params = {k: v.isoformat() for k, v in (("from", start), ("to", end)) if v is not None}
        params["identity"] = identity
        data = await self._get(self._customer(branch_id, customer_id) + f"/accounts/{account_id}/statement", params)
        lines = tuple(
            StatementLine(
                posting_id=int(line["posting_id"]),
                at=str(line["at"]),
                day=str(line["day"]),
                kind=str(line["kind"]),
                currency=str(line["currency"]),
                amount_minor=int(line["amount_minor"]),
                counterparty_masked=tuple(line.get("counterparty_masked") or ()),
                reference_masked=line.get("reference"),
                reversed_by=line.get("reversed_by"),
            )
            for line in data["lines"]
        )
        return Statement(
            _account(data["account"]),
            dt.date.fromisoformat(data["from"]),
            dt.date.fromisoformat(data["to"]),
            lines,
            bool(data.get("sandbox", False)),
        )

    async def self_services(self, branch_id: str, customer_id: str, identity: str) -> SelfServices:
        data = await self._get(self._customer(branch_id, customer_id) + "/services", {"identity": identity})
        wallet = data.get("wallet")
        return SelfServices(
            phone_masked=str(data.get("phone_masked") or ""),
            services=tuple(
                ServiceState(
                    str(x["service"]), str(x.get("subject") or ""), str(x["state"]), dict(x.get("detail") or {})
                )
                for x in data.get("services", [])
            ),
            cards=tuple(
                CardState(str(c["account_id"]), str(c["number_masked"]), str(c["state"])) for c in data.get("cards", [])
            ),
            wallet=_account(wallet) if isinstance(wallet, dict) else None,
            sandbox=bool(data.get("sandbox", False)),
        )

    async def pension_credits(
        self, branch_id: str, customer_id: str, identity: str, start: dt.date | None, end: dt.date | None
    ) -> Pension:
        params = {k: v.isoformat() for k, v in (("from", start), ("to", end)) if v is not None}
        params["identity"] = identity
        data = await self._get(self._customer(branch_id, customer_id) + "/pension-credits", params)
        return Pension(
            dt.date.fromisoformat(data["from"]),
            dt.date.fromisoformat(data["to"]),
            tuple(
                PensionCredit(str(c["day"]), int(c["amount_minor"]), str(c["currency"]), str(c["account_masked"]))
                for c in data["credits"]
            ),
            int(data["total_minor"]),
            bool(data.get("sandbox", False)),
        )

    async def _change_call(self, path: str, auth: Authorisation, fields: dict[str, Any]) -> ChangeResult:
        body = {**fields, "confirmed": auth.confirmed, "identity": auth.identity}
        response = await self._call("POST", path, body=body, key=auth.idempotency_key)
        data = await self._json(response, 200, 201)
        return _change(data, response.headers.get("Idempotent-Replayed") == "true")

    async def enrol(
        self,
        branch_id: str,
        customer_id: str,
        auth: Authorisation,
        service: str,
        *,
        account_id: str | None = None,
        threshold_minor: int | None = None,
    ) -> ChangeResult:
        fields: dict[str, Any] = {}
        if account_id is not None:
            fields["account_id"] = account_id
        if threshold_minor is not None:
            fields["threshold_minor"] = threshold_minor
        return await self._change_call(self._customer(branch_id, customer_id) + f"/services/{service}", auth, fields)

    async def change_pin(
        self, branch_id: str, customer_id: str, auth: Authorisation, account_id: str, new_pin: str
    ) -> ChangeResult:
        path = self._customer(branch_id, customer_id) + f"/accounts/{account_id}/pin"
        return await self._change_call(path, auth, {"new_pin": new_pin})

    async def top_up_wallet(
        self,
        branch_id: str,
        customer_id: str,
        auth: Authorisation,
        from_account_id: str,
        amount_minor: int,
        currency: str = "CNY",
    ) -> PostingResult:
        fields = {"from_account_id": from_account_id, "amount_minor": amount_minor, "currency": currency}
        return await self._move(self._customer(branch_id, customer_id) + "/wallet-top-ups", auth, fields)

    async def fx_rates(self) -> list[FxRate]:
        data = await self._get("/fx-rates")
        return [FxRate(str(r["currency"]), str(r["bank_buys"]), str(r["bank_sells"])) for r in data["rates"]]

    async def interest_rates(self) -> list[InterestRate]:
        data = await self._get("/interest-rates")
        return [InterestRate(str(r["product"]), str(r["name_zh"]), str(r["annual_percent"])) for r in data["rates"]]

    # ------------------------------------------------------------------------------------------------ movements
    async def transfer(
        self,
        branch_id: str,
        customer_id: str,
        auth: Authorisation,
        from_account_id: str,
        to_account_id: str,
        amount_minor: int,
        currency: str = "CNY",
    ) -> PostingResult:
        fields = {
            "from_account_id": from_account_id,
            "to_account_id": to_account_id,
            "amount_minor": amount_minor,
            "currency": currency,
        }
        return await self._move(self._customer(branch_id, customer_id) + "/transfers", auth, fields)

    async def repay_card(
        self,
        branch_id: str,
        customer_id: str,
        auth: Authorisation,
        from_account_id: str,
        card_account_id: str,
        amount_minor: int,
        currency: str = "CNY",
    ) -> PostingResult:
        fields = {
            "from_account_id": from_account_id,
            "card_account_id": card_account_id,
            "amount_minor": amount_minor,
            "currency": currency,
        }
        return await self._move(self._customer(branch_id, customer_id) + "/card-repayments", auth, fields)

    async def pay_utility(
        self,
        branch_id: str,
        customer_id: str,
        auth: Authorisation,
        from_account_id: str,
        biller_id: str,
        bill_reference: str,
        amount_minor: int,
        currency: str = "CNY",
    ) -> PostingResult:
        fields = {
            "from_account_id": from_account_id,
            "biller_id": biller_id,
            "bill_reference": bill_reference,
            "amount_minor": amount_minor,
            "currency": currency,
        }
        return await self._move(self._customer(branch_id, customer_id) + "/utility-payments", auth, fields)

    async def reverse(self, branch_id: str, customer_id: str, auth: Authorisation, posting_id: int) -> PostingResult:
        path = self._customer(branch_id, customer_id) + f"/postings/{posting_id}/reversal"
        return await self._move(path, auth, {})
