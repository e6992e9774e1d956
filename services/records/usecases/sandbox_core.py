"""The sandbox core's use cases (docs/core-banking.md): read a customer's accounts, balance and statement;
move money (transfer between own accounts, credit card repayment, utility payment, reversal) with an
idempotency key, the customer's explicit confirmation and a recent approved KYC result; every movement asked
for is audited, posted or refused. Answers carry ``"sandbox": true``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from services.records.adapters.sandbox_core_store import AuditEntry, Ledger, SandboxCoreStore
from services.records.domain.intervals import DEFAULT_TIME_ZONE, local_day, zone
from services.records.domain.sandbox_core import postings, rates
from services.records.domain.sandbox_core.accounts import Account, Kind, mask_number
from services.records.domain.sandbox_core.errors import CoreRefused
from services.records.domain.sandbox_core.identity import check_identity
from services.records.domain.sandbox_core.limits import Limits, check_limits
from services.records.domain.sandbox_core.money import format_minor
from services.records.domain.sandbox_core.seed import Customer, demo_customers, demo_services, shared_accounts
from services.records.domain.sandbox_core.views import account_view, labelled
from services.records.usecases.idempotent_call import Asked, Done, idempotent_call, identified_customer
from services.records.usecases.sandbox_services import SelfServices

Clock = Callable[[], dt.datetime]
STATEMENT_DEFAULT_DAYS = 30
STATEMENT_MAX_DAYS = 366
CREATED = 201


@dataclass(frozen=True)
class Caller:
    subject: str
    role: str


@dataclass(frozen=True)
class Reader:
    """Who reads a customer's data: staff at the counter read as they are; a service (the digital employee)
    reads only with ``identity``, a recent approved KYC session of that customer."""

    needs_identity: bool
    identity: str | None = None


STAFF = Reader(needs_identity=False)


@dataclass(frozen=True)
class Movement:
    """What every money movement brings besides its own fields."""

    branch_id: str
    customer_id: str
    caller: Caller
    idempotency_key: str | None
    confirmed: bool
    identity: str | None
    body: Mapping[str, Any] = field(default_factory=dict)
    """The request's own fields as sent (fingerprinted for the idempotency key)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


class PlanOf(Protocol):
    def __call__(self, accounts: Mapping[str, Account]) -> postings.Plan: ...


def _mask_reference(reference: str | None) -> str | None:
    return None if reference is None else mask_number(reference)


def _date(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CoreRefused("bad_date", f"{name} is not a date YYYY-MM-DD") from None


class SandboxCore:
    def __init__(
        self,
        store: SandboxCoreStore,
        clock: Clock,
        *,
        limits: Mapping[str, Limits],
        identity_window: dt.timedelta,
        time_zone: str = DEFAULT_TIME_ZONE,
        channel: str = "kiosk",
    ) -> None:
        self.store = store
        self.clock = clock
        self.limits = dict(limits)
        self.identity_window = identity_window
        self.zone = zone(time_zone)
        self.channel = channel
        self.services = SelfServices(store, clock, self.today, identity_window)

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The branch's local day of ``now`` (default: the clock's)."""
        return local_day(now or self.clock(), self.zone)

    # ------------------------------------------------------------------------------------------------ reads
    async def _verified(self, branch_id: str, customer: Customer, identity: str | None) -> None:
        now = self.clock()
        evidence = await self.store.kyc_evidence(branch_id, identity, now - self.identity_window) if identity else None
        check_identity(evidence, customer.id_number_masked, now, self.identity_window)

    async def _customer_accounts(self, branch_id: str, customer_id: str, reader: Reader) -> list[Account]:
        customer = await self.store.customer(customer_id, branch_id)
        if customer is None:
            raise CoreRefused("unknown_customer", "no such customer in this branch's sandbox core")
        if reader.needs_identity:
            await self._verified(branch_id, customer, reader.identity)
        return await self.store.accounts_of(customer_id)

    async def _own_account(self, branch_id: str, customer_id: str, account_id: str, reader: Reader) -> Account:
        for account in await self._customer_accounts(branch_id, customer_id, reader):
            if account.account_id == account_id:
                return account
        if await self.store.account(account_id) is None:
            raise CoreRefused("unknown_account", "no such account")
        raise CoreRefused("not_own_account", "the account is not the customer's own")

    async def customers(self, branch_id: str, reader: Reader) -> dict[str, Any]:
        """The branch's customers; for a reader who needs identity, only the one(s) the approved KYC result names
        (how the digital employee learns who the verified customer is)."""
        if reader.needs_identity and not reader.identity:
            raise CoreRefused("identity_required", "a service names the customer by their KYC session (identity=...)")
        found = await self.store.customers(branch_id)
        if reader.needs_identity:
            now = self.clock()
            evidence = (
                await self.store.kyc_evidence(branch_id, reader.identity, now - self.identity_window)
                if reader.identity
                else None
            )
            matching = [c for c in found if evidence is not None and c.id_number_masked == evidence.id_number_masked]
            check_identity(evidence, matching[0].id_number_masked if matching else "", now, self.identity_window)
            found = matching
        return labelled(
            {
                "branch_id": branch_id,
                "customers": [
                    {
                        "customer_id": c.customer_id,
                        "display_name": c.display_name,
                        "id_number_masked": c.id_number_masked,
                    }
                    for c in found
                ],
            }
        )

    async def accounts(self, branch_id: str, customer_id: str, reader: Reader) -> dict[str, Any]:
        accounts = await self._customer_accounts(branch_id, customer_id, reader)
        return labelled({"customer_id": customer_id, "accounts": [account_view(a) for a in accounts]})

    async def balance(self, branch_id: str, customer_id: str, account_id: str, reader: Reader) -> dict[str, Any]:
        account = await self._own_account(branch_id, customer_id, account_id, reader)
        return labelled({"customer_id": customer_id, "account": account_view(account), "at": self.clock().isoformat()})

    async def statement(
        self, branch_id: str, customer_id: str, account_id: str, start: str | None, end: str | None, reader: Reader
    ) -> dict[str, Any]:
        last = _date(end, "to") if end else self.today()
        first = _date(start, "from") if start else last - dt.timedelta(days=STATEMENT_DEFAULT_DAYS - 1)
        if first > last:
            raise CoreRefused("bad_range", "from is after to")
        if (last - first).days + 1 > STATEMENT_MAX_DAYS:
            raise CoreRefused("bad_range", f"a statement spans at most {STATEMENT_MAX_DAYS} days")
        account = await self._own_account(branch_id, customer_id, account_id, reader)
        lines = await self.store.statement(account_id, first, last)
        for line in lines:
            line["amount"] = format_minor(line["amount_minor"], line["currency"])
            line["reference"] = _mask_reference(line["reference"])
        return labelled(
            {
                "customer_id": customer_id,
                "account": account_view(account),
                "from": first.isoformat(),
                "to": last.isoformat(),
                "lines": lines,
            }
        )

    async def self_services(self, branch_id: str, customer_id: str, reader: Reader) -> dict[str, Any]:
        """The customer's registered phone (masked), enrolments, card states and wallet."""
        accounts = await self._customer_accounts(branch_id, customer_id, reader)
        customer = await self.store.customer(customer_id, branch_id)
        assert customer is not None
        return await self.services.overview(customer, accounts)

    async def pension(
        self, branch_id: str, customer_id: str, start: str | None, end: str | None, reader: Reader
    ) -> dict[str, Any]:
        """The customer's pension credits over local days (default: the last 365)."""
        first = _date(start, "from") if start else None
        last = _date(end, "to") if end else None
        await self._customer_accounts(branch_id, customer_id, reader)
        customer = await self.store.customer(customer_id, branch_id)
        assert customer is not None
        return await self.services.pension(customer, first, last)

    async def billers(self) -> dict[str, Any]:
        found = await self.store.billers()
        return labelled(
            {"billers": [{"biller_id": b.account_id, "name": b.name, "currency": b.currency} for b in found]}
        )

    def fx_rates(self) -> dict[str, Any]:
        return rates.fx_table()

    def interest_rates(self) -> dict[str, Any]:
        return rates.interest_table()

    async def audit(self, branch_id: str, limit: int, before_id: int | None) -> dict[str, Any]:
        entries = await self.store.audit_page(branch_id, limit, before_id)
        return labelled({"branch_id": branch_id, "entries": entries})

    async def seed(self, branch_id: str) -> int:
        """The branch's demo customers (deterministic; those already there are left as they are)."""
        now = self.clock()
        return await self.store.seed(
            demo_customers(branch_id),
            shared_accounts(),
            now=now,
            local_day=self.today(now),
            services=demo_services(branch_id),
        )

    # ------------------------------------------------------------------------------------------------ movements
    async def transfer(self, move: Movement, source: str, target: str, amount_minor: int, currency: str) -> Answer:
        def plan(accounts: Mapping[str, Account]) -> postings.Plan:
            return postings.transfer(move.customer_id, accounts[source], accounts[target], amount_minor, currency)

        return await self._move("transfer", move, [source, target], plan)

    async def card_repayment(self, move: Movement, source: str, card: str, amount_minor: int, currency: str) -> Answer:
        def plan(accounts: Mapping[str, Account]) -> postings.Plan:
            return postings.card_repayment(move.customer_id, accounts[source], accounts[card], amount_minor, currency)

        return await self._move("card_repayment", move, [source, card], plan)

    async def utility_payment(
        self, move: Movement, source: str, biller_id: str, bill_reference: str, amount_minor: int, currency: str
    ) -> Answer:
        def plan(accounts: Mapping[str, Account]) -> postings.Plan:
            biller = accounts.get(biller_id)
            if biller is None or biller.kind is not Kind.UTILITY_BILLER:
                raise CoreRefused("unknown_biller", "no such utility biller")
            return postings.utility_payment(
                move.customer_id, accounts[source], biller, amount_minor, currency, bill_reference
            )

        return await self._move("utility_payment", move, [source, biller_id], plan, optional={biller_id})

    async def wallet_top_up(self, move: Movement, source: str, amount_minor: int, currency: str) -> Answer:
        """From a deposit to the customer's digital RMB wallet (opened first through the wallet service)."""
        wallet = f"{move.customer_id}-wallet"

        def plan(accounts: Mapping[str, Account]) -> postings.Plan:
            if wallet not in accounts:
                raise CoreRefused("unknown_account", "the customer has no digital RMB wallet yet; open one first")
            return postings.wallet_top_up(move.customer_id, accounts[source], accounts[wallet], amount_minor, currency)

        return await self._move("wallet_top_up", move, [source, wallet], plan, optional={wallet})

    async def reverse(self, move: Movement, posting_id: int) -> Answer:
        return await self._move("reversal", move, [], None, reverses=posting_id)

    async def _move(
        self,
        action: str,
        move: Movement,
        account_ids: list[str],
        plan_of: PlanOf | None,
        *,
        optional: set[str] | None = None,
        reverses: int | None = None,
    ) -> Answer:
        now = self.clock()
        asked = Asked(
            action, "movement", move.branch_id, move.customer_id, move.idempotency_key, move.confirmed, move.body
        )

        def entry(outcome: str, key: str | None, reason: str | None) -> AuditEntry:
            return self._entry(now, action, move, outcome, key=key, reason=reason, detail=dict(move.body))

        async def post(ledger: Ledger, key: str) -> Done:
            answer, posting_id = await self._post(
                ledger, action, move, key, now, account_ids, plan_of, optional, reverses
            )
            posted = self._entry(
                now, action, move, "posted", key=key, posting_id=posting_id, detail=answer.body["posting"]
            )
            return Done(answer.status, answer.body, posted, posting_id)

        status, body, replayed = await idempotent_call(self.store, now, asked, entry, post)
        return Answer(status, body, replayed=replayed)

    async def _post(
        self,
        ledger: Ledger,
        action: str,
        move: Movement,
        key: str,
        now: dt.datetime,
        account_ids: list[str],
        plan_of: PlanOf | None,
        optional: set[str] | None,
        reverses: int | None,
    ) -> tuple[Answer, int]:
        await identified_customer(ledger, move.branch_id, move.customer_id, move.identity, now, self.identity_window)
        today = self.today(now)
        if reverses is not None:
            original = await ledger.posting_for_update(reverses)
            if original is None:
                raise CoreRefused("unknown_posting", "no such posting of this customer")
            original_plan = postings.reversal(move.customer_id, original, today)
            account_ids = [leg.account_id for leg in original_plan.legs]
            accounts = await ledger.lock_accounts(account_ids)
            plan = original_plan
        else:
            accounts = await ledger.lock_accounts(account_ids)
            missing = [a for a in account_ids if a not in accounts and a not in (optional or set())]
            if missing:
                raise CoreRefused("unknown_account", "no such account")
            assert plan_of is not None
            plan = plan_of(accounts)
            used = await ledger.used_today(move.customer_id, today, plan.currency, self.channel)
            check_limits(self.limits, plan.currency, plan.amount_minor, used)
        balances = postings.apply(accounts, plan.legs)
        posting_id = await ledger.insert(
            plan, branch_id=move.branch_id, channel=self.channel, key=key, now=now, local_day=today
        )
        own = [
            account_view(replace(a, balance_minor=balances[a.account_id]))
            for a in sorted(accounts.values(), key=lambda a: a.account_id)
            if a.customer_id == move.customer_id and a.account_id in balances
        ]
        posting = {
            "posting_id": posting_id,
            "kind": plan.kind.value,
            "currency": plan.currency,
            "amount_minor": plan.amount_minor,
            "amount": format_minor(plan.amount_minor, plan.currency),
            "reference": _mask_reference(plan.reference),
            "reverses": plan.reverses,
            "at": now.isoformat(),
            "day": today.isoformat(),
            "legs": [
                {"account_masked": accounts[leg.account_id].masked, "amount_minor": leg.amount_minor}
                for leg in plan.legs
            ],
        }
        return Answer(
            CREATED, labelled({"customer_id": move.customer_id, "posting": posting, "accounts": own})
        ), posting_id

    def _entry(
        self,
        now: dt.datetime,
        action: str,
        move: Movement,
        outcome: str,
        *,
        key: str | None,
        reason: str | None = None,
        posting_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        masked = dict(detail or {})  # ids and amounts; a bill reference masked
        if isinstance(masked.get("bill_reference"), str):
            masked["bill_reference"] = mask_number(masked["bill_reference"])
        if move.identity:
            masked["identity_session"] = move.identity
        return AuditEntry(
            at=now,
            branch_id=move.branch_id,
            subject=move.caller.subject,
            role=move.caller.role,
            action=action,
            outcome=outcome,
            reason=reason,
            customer_id=move.customer_id,
            posting_id=posting_id,
            idempotency_key=key if isinstance(key, str) and len(key) <= 128 else None,
            detail=masked,
        )
