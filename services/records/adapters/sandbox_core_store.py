"""The sandbox core's ledger in PostgreSQL (tables ``sandbox_core_*``, migration 0007).

A movement is one transaction (:meth:`SandboxCoreStore.transaction`): claim the idempotency key, lock the
customer's row, then the accounts in account-id order (``SELECT ... FOR UPDATE``; one fixed order everywhere,
so two movements never wait on each other in a cycle), check, insert the posting and its legs, move the
balances, store the response under the key, write the audit row. Commit or nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.records.adapters.database import DatabaseUnavailable, is_unavailable
from services.records.domain.sandbox_core.accounts import Account, Kind, mask_number
from services.records.domain.sandbox_core.enrolments import Enrolment
from services.records.domain.sandbox_core.errors import CoreRefused
from services.records.domain.sandbox_core.identity import KycEvidence
from services.records.domain.sandbox_core.pins import StoredPin
from services.records.domain.sandbox_core.postings import COUNTED, Leg, Movement, Plan, Posted
from services.records.domain.sandbox_core.seed import Customer, ServiceState

ACCOUNT_COLUMNS = "account_id, customer_id, number, kind, currency, balance_minor, credit_limit_minor, name"
CUSTOMER_COLUMNS = "customer_id, branch_id, display_name, id_number_masked, phone_masked"
SERVICE_COLUMNS = "customer_id, service, subject, state, detail, updated_at"
STATEMENT_MAX_LINES = 1000


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    branch_id: str | None
    subject: str
    role: str
    action: str
    outcome: str  # posted | replayed | refused
    reason: str | None = None
    customer_id: str | None = None
    posting_id: int | None = None
    idempotency_key: str | None = None
    detail: dict[str, Any] | None = None  # masked values only


@dataclass(frozen=True)
class Replay:
    status: int
    response: dict[str, Any]


def _account(row: Any) -> Account:
    return Account(
        row.account_id,
        row.customer_id,
        row.number,
        Kind(row.kind),
        row.currency,
        int(row.balance_minor),
        int(row.credit_limit_minor),
        row.name,
    )


def _enrolment(row: Any) -> Enrolment:
    return Enrolment(row.customer_id, row.service, row.subject, row.state, dict(row.detail or {}), row.updated_at)


def _unavailable(exc: BaseException) -> DatabaseUnavailable | None:
    if is_unavailable(exc):
        return DatabaseUnavailable(
            f"PostgreSQL could not do it now ({type(exc).__name__}); nothing was posted, retry with the same key"
        )
    return None


async def _insert_audit(connection: AsyncConnection, entry: AuditEntry) -> None:
    await connection.execute(
        text(
            "INSERT INTO sandbox_core_audit (at, branch_id, subject, role, action, outcome, reason, customer_id,"
            " posting_id, idempotency_key, detail) VALUES (:at, :branch, :subject, :role, :action, :outcome,"
            " :reason, :customer, :posting, :key, CAST(:detail AS jsonb))"
        ),
        {
            "at": entry.at,
            "branch": entry.branch_id,
            "subject": entry.subject,
            "role": entry.role,
            "action": entry.action,
            "outcome": entry.outcome,
            "reason": entry.reason,
            "customer": entry.customer_id,
            "posting": entry.posting_id,
            "key": entry.idempotency_key,
            "detail": json.dumps(entry.detail or {}, ensure_ascii=False),
        },
    )


async def _kyc_evidence(
    connection: AsyncConnection, branch_id: str, session_id: str, since: dt.datetime
) -> KycEvidence | None:
    """The newest kyc.results.v1 result of ``session_id`` in ``branch_id`` at or after ``since`` (the history's
    raw table, which the records consumer writes)."""
    row = (
        await connection.execute(
            text(
                "SELECT session_id, decision, at, coalesce(envelope->'data'->>'id_number_masked', '') AS masked"
                " FROM events_kyc_results WHERE branch_id = :b AND session_id = :s AND at >= :since"
                " ORDER BY at DESC LIMIT 1"
            ),
            {"b": branch_id, "s": session_id, "since": since},
        )
    ).first()
    return None if row is None else KycEvidence(row.session_id, row.decision, row.at, row.masked)


class Ledger:
    """What a movement does inside its one transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def claim(self, scope: str, key: str, request_hash: str, now: dt.datetime) -> Replay | None:
        """Take ``key`` for this request; the stored answer when the same request already used it (a
        concurrent one with the key waits here for the first to commit); ``idempotency_conflict`` when
        another request did."""
        claimed = await self.connection.execute(
            text(
                "INSERT INTO sandbox_core_idempotency (scope, key, request_hash, created_at)"
                " VALUES (:scope, :key, :hash, :now) ON CONFLICT DO NOTHING RETURNING key"
            ),
            {"scope": scope, "key": key, "hash": request_hash, "now": now},
        )
        if claimed.first() is not None:
            return None
        row = (
            await self.connection.execute(
                text(
                    "SELECT request_hash, status, response FROM sandbox_core_idempotency WHERE scope = :s AND key = :k"
                ),
                {"s": scope, "k": key},
            )
        ).one()
        if row.request_hash != request_hash:
            raise CoreRefused("idempotency_conflict", "this Idempotency-Key was used for a different request")
        return Replay(int(row.status), dict(row.response))

    async def finish(self, scope: str, key: str, status: int, response: dict[str, Any], posting_id: int | None) -> None:
        await self.connection.execute(
            text(
                "UPDATE sandbox_core_idempotency SET status = :status, response = CAST(:response AS jsonb),"
                " posting_id = :posting WHERE scope = :scope AND key = :key"
            ),
            {
                "status": status,
                "response": json.dumps(response, ensure_ascii=False),
                "posting": posting_id,
                "scope": scope,
                "key": key,
            },
        )

    async def lock_customer(self, customer_id: str, branch_id: str) -> Customer | None:
        row = (
            await self.connection.execute(
                text(
                    f"SELECT {CUSTOMER_COLUMNS} FROM sandbox_core_customers"
                    " WHERE customer_id = :c AND branch_id = :b FOR UPDATE"
                ),
                {"c": customer_id, "b": branch_id},
            )
        ).first()
        return None if row is None else Customer(*row)

    async def lock_accounts(self, account_ids: Iterable[str]) -> dict[str, Account]:
        """The accounts that exist among ``account_ids``, locked in account-id order."""
        rows = await self.connection.execute(
            text(
                f"SELECT {ACCOUNT_COLUMNS} FROM sandbox_core_accounts WHERE account_id = ANY(:ids)"
                " ORDER BY account_id FOR UPDATE"
            ),
            {"ids": sorted(set(account_ids))},
        )
        return {row.account_id: _account(row) for row in rows}

    async def used_today(self, customer_id: str, day: dt.date, currency: str, channel: str) -> int:
        """The customer's counted movements of ``day`` in ``currency`` on ``channel`` (reversed ones too)."""
        total = await self.connection.scalar(
            text(
                "SELECT coalesce(sum(amount_minor), 0) FROM sandbox_core_postings WHERE customer_id = :c"
                " AND local_day = :d AND currency = :cur AND channel = :ch AND kind = ANY(:kinds)"
            ),
            {"c": customer_id, "d": day, "cur": currency, "ch": channel, "kinds": [k.value for k in COUNTED]},
        )
        return int(total or 0)

    async def posting_for_update(self, posting_id: int) -> Posted | None:
        row = (
            await self.connection.execute(
                text(
                    "SELECT posting_id, kind, customer_id, currency, amount_minor, local_day"
                    " FROM sandbox_core_postings WHERE posting_id = :p FOR UPDATE"
                ),
                {"p": posting_id},
            )
        ).first()
        if row is None:
            return None
        # a statement of its own, after the lock: its snapshot sees a reversal committed while this one waited
        by = await self.connection.scalar(
            text("SELECT posting_id FROM sandbox_core_postings WHERE reverses = :p"), {"p": posting_id}
        )
        legs = await self.connection.execute(
            text("SELECT account_id, amount_minor FROM sandbox_core_legs WHERE posting_id = :p ORDER BY leg_no"),
            {"p": posting_id},
        )
        return Posted(
            int(row.posting_id),
            Movement(row.kind),
            row.customer_id,
            row.currency,
            int(row.amount_minor),
            row.local_day,
            tuple(Leg(leg.account_id, int(leg.amount_minor)) for leg in legs),
            None if by is None else int(by),
        )

    async def insert(
        self,
        plan: Plan,
        *,
        branch_id: str | None,
        channel: str,
        key: str | None,
        now: dt.datetime,
        local_day: dt.date,
    ) -> int:
        """The posting, its legs and the balances they move; returns the posting's id."""
        posting_id = int(
            await self.connection.scalar(
                text(
                    "INSERT INTO sandbox_core_postings (branch_id, customer_id, kind, channel, currency, amount_minor,"
                    " reference, reverses, idempotency_key, created_at, local_day) VALUES (:branch, :customer,"
                    " :kind, :channel, :currency, :amount, :reference, :reverses, :key, :now, :day)"
                    " RETURNING posting_id"
                ),
                {
                    "branch": branch_id,
                    "customer": plan.customer_id,
                    "kind": plan.kind.value,
                    "channel": channel,
                    "currency": plan.currency,
                    "amount": plan.amount_minor,
                    "reference": plan.reference,
                    "reverses": plan.reverses,
                    "key": key,
                    "now": now,
                    "day": local_day,
                },
            )
            or 0
        )
        await self.connection.execute(
            text(
                "INSERT INTO sandbox_core_legs (posting_id, leg_no, account_id, amount_minor)"
                " VALUES (:posting, :no, :account, :amount)"
            ),
            [
                {"posting": posting_id, "no": n, "account": leg.account_id, "amount": leg.amount_minor}
                for n, leg in enumerate(plan.legs, start=1)
            ],
        )
        for leg in sorted(plan.legs, key=lambda leg: leg.account_id):
            await self.connection.execute(
                text("UPDATE sandbox_core_accounts SET balance_minor = balance_minor + :x WHERE account_id = :a"),
                {"x": leg.amount_minor, "a": leg.account_id},
            )
        return posting_id

    async def kyc_evidence(self, branch_id: str, session_id: str, since: dt.datetime) -> KycEvidence | None:
        return await _kyc_evidence(self.connection, branch_id, session_id, since)

    async def audit(self, entry: AuditEntry) -> None:
        await _insert_audit(self.connection, entry)

    async def customer_accounts(self, customer_id: str) -> dict[str, Account]:
        """The customer's accounts (read in the change's transaction; the customer's row is locked)."""
        rows = await self.connection.execute(
            text(f"SELECT {ACCOUNT_COLUMNS} FROM sandbox_core_accounts WHERE customer_id = :c ORDER BY account_id"),
            {"c": customer_id},
        )
        return {row.account_id: _account(row) for row in rows}

    async def enrolment(self, customer_id: str, service: str, subject: str) -> Enrolment | None:
        row = (
            await self.connection.execute(
                text(
                    f"SELECT {SERVICE_COLUMNS} FROM sandbox_core_services"
                    " WHERE customer_id = :c AND service = :s AND subject = :j FOR UPDATE"
                ),
                {"c": customer_id, "s": service, "j": subject},
            )
        ).first()
        return None if row is None else _enrolment(row)

    async def put_enrolment(self, enrolment: Enrolment, now: dt.datetime) -> None:
        await self.connection.execute(
            text(
                "INSERT INTO sandbox_core_services (customer_id, service, subject, state, detail, updated_at)"
                " VALUES (:c, :s, :j, :state, CAST(:detail AS jsonb), :now) ON CONFLICT (customer_id, service,"
                " subject) DO UPDATE SET state = EXCLUDED.state, detail = EXCLUDED.detail,"
                " updated_at = EXCLUDED.updated_at"
            ),
            {
                "c": enrolment.customer_id,
                "s": enrolment.service,
                "j": enrolment.subject,
                "state": enrolment.state,
                "detail": json.dumps(enrolment.detail, ensure_ascii=False),
                "now": now,
            },
        )

    async def open_account(self, account: Account) -> None:
        await self.connection.execute(
            text(
                f"INSERT INTO sandbox_core_accounts ({ACCOUNT_COLUMNS}) VALUES (:account_id, :customer_id, :number,"
                " :kind, :currency, 0, :limit, :name)"
            ),
            {
                "account_id": account.account_id,
                "customer_id": account.customer_id,
                "number": account.number,
                "kind": account.kind.value,
                "currency": account.currency,
                "limit": account.credit_limit_minor,
                "name": account.name,
            },
        )

    async def pin(self, account_id: str) -> StoredPin | None:
        row = (
            await self.connection.execute(
                text("SELECT salt, pin_hash, params FROM sandbox_core_pins WHERE account_id = :a FOR UPDATE"),
                {"a": account_id},
            )
        ).first()
        return None if row is None else StoredPin(bytes(row.salt), bytes(row.pin_hash), row.params)

    async def put_pin(self, account_id: str, pin: StoredPin, now: dt.datetime) -> None:
        await self.connection.execute(
            text(
                "INSERT INTO sandbox_core_pins (account_id, salt, pin_hash, params, changed_at)"
                " VALUES (:a, :salt, :hash, :params, :now) ON CONFLICT (account_id) DO UPDATE SET"
                " salt = EXCLUDED.salt, pin_hash = EXCLUDED.pin_hash, params = EXCLUDED.params,"
                " changed_at = EXCLUDED.changed_at"
            ),
            {"a": account_id, "salt": pin.salt, "hash": pin.pin_hash, "params": pin.params, "now": now},
        )


class SandboxCoreStore:
    def __init__(self, engine: AsyncEngine, *, lock_timeout_s: float = 5.0) -> None:
        self.engine = engine
        self.lock_timeout_s = lock_timeout_s

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Ledger]:
        """One movement's transaction; a database that cannot do it now is :class:`DatabaseUnavailable`
        (nothing posted), a constraint the code should have kept is re-raised as it is."""
        try:
            async with self.engine.begin() as connection:
                await connection.execute(text(f"SET LOCAL lock_timeout = '{int(self.lock_timeout_s * 1000)}ms'"))
                yield Ledger(connection)
        except CoreRefused:
            raise
        except Exception as exc:
            unavailable = _unavailable(exc)
            if unavailable is not None:
                raise unavailable from exc
            raise

    async def _rows(self, sql: str, params: dict[str, Any]) -> Sequence[Any]:
        try:
            async with self.engine.connect() as connection:
                return (await connection.execute(text(sql), params)).all()
        except Exception as exc:
            unavailable = _unavailable(exc)
            if unavailable is not None:
                raise unavailable from exc
            raise

    async def customer(self, customer_id: str, branch_id: str) -> Customer | None:
        rows = await self._rows(
            f"SELECT {CUSTOMER_COLUMNS} FROM sandbox_core_customers WHERE customer_id = :c AND branch_id = :b",
            {"c": customer_id, "b": branch_id},
        )
        return Customer(*rows[0]) if rows else None

    async def customers(self, branch_id: str) -> list[Customer]:
        rows = await self._rows(
            f"SELECT {CUSTOMER_COLUMNS} FROM sandbox_core_customers WHERE branch_id = :b ORDER BY customer_id",
            {"b": branch_id},
        )
        return [Customer(*row) for row in rows]

    async def accounts_of(self, customer_id: str) -> list[Account]:
        rows = await self._rows(
            f"SELECT {ACCOUNT_COLUMNS} FROM sandbox_core_accounts WHERE customer_id = :c ORDER BY account_id",
            {"c": customer_id},
        )
        return [_account(row) for row in rows]

    async def account(self, account_id: str) -> Account | None:
        rows = await self._rows(
            f"SELECT {ACCOUNT_COLUMNS} FROM sandbox_core_accounts WHERE account_id = :a", {"a": account_id}
        )
        return _account(rows[0]) if rows else None

    async def billers(self) -> list[Account]:
        rows = await self._rows(
            f"SELECT {ACCOUNT_COLUMNS} FROM sandbox_core_accounts WHERE kind = 'utility_biller' ORDER BY account_id",
            {},
        )
        return [_account(row) for row in rows]

    async def statement(self, account_id: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """The account's legs of postings made from ``start`` to ``end`` (local days, inclusive), oldest first;
        the other side's numbers masked."""
        rows = await self._rows(
            "SELECT p.posting_id, p.created_at, p.local_day, p.kind, p.currency, p.reference, p.reverses,"
            " l.amount_minor,"
            " (SELECT r.posting_id FROM sandbox_core_postings r WHERE r.reverses = p.posting_id) AS reversed_by,"
            " (SELECT array_agg(a.number ORDER BY o.leg_no) FROM sandbox_core_legs o JOIN sandbox_core_accounts a"
            "   ON a.account_id = o.account_id WHERE o.posting_id = p.posting_id AND o.account_id <> l.account_id)"
            "   AS others"
            " FROM sandbox_core_legs l JOIN sandbox_core_postings p ON p.posting_id = l.posting_id"
            " WHERE l.account_id = :a AND p.local_day BETWEEN :s AND :e ORDER BY p.posting_id LIMIT :n",
            {"a": account_id, "s": start, "e": end, "n": STATEMENT_MAX_LINES},
        )
        return [
            {
                "posting_id": int(row.posting_id),
                "at": row.created_at.isoformat(),
                "day": row.local_day.isoformat(),
                "kind": row.kind,
                "currency": row.currency,
                "amount_minor": int(row.amount_minor),
                "reference": row.reference,
                "reverses": row.reverses,
                "reversed_by": row.reversed_by,
                "counterparty_masked": [mask_number(n) for n in row.others or []],
            }
            for row in rows
        ]

    async def enrolments(self, customer_id: str) -> list[Enrolment]:
        rows = await self._rows(
            f"SELECT {SERVICE_COLUMNS} FROM sandbox_core_services WHERE customer_id = :c ORDER BY service, subject",
            {"c": customer_id},
        )
        return [_enrolment(row) for row in rows]

    async def pension_credits(self, customer_id: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """The customer's pension credits over local days ``start``..``end``, oldest first, accounts masked."""
        rows = await self._rows(
            "SELECT p.posting_id, p.local_day, p.currency, l.amount_minor, a.number FROM sandbox_core_postings p"
            " JOIN sandbox_core_legs l ON l.posting_id = p.posting_id JOIN sandbox_core_accounts a"
            " ON a.account_id = l.account_id WHERE p.customer_id = :c AND p.kind = 'pension_credit'"
            " AND a.customer_id = :c AND p.local_day BETWEEN :s AND :e ORDER BY p.local_day, p.posting_id",
            {"c": customer_id, "s": start, "e": end},
        )
        return [
            {
                "posting_id": int(row.posting_id),
                "day": row.local_day.isoformat(),
                "currency": row.currency,
                "amount_minor": int(row.amount_minor),
                "account_masked": mask_number(row.number),
            }
            for row in rows
        ]

    async def kyc_evidence(self, branch_id: str, session_id: str, since: dt.datetime) -> KycEvidence | None:
        try:
            async with self.engine.connect() as connection:
                return await _kyc_evidence(connection, branch_id, session_id, since)
        except Exception as exc:
            unavailable = _unavailable(exc)
            if unavailable is not None:
                raise unavailable from exc
            raise

    async def audit(self, entry: AuditEntry) -> None:
        """In a transaction of its own (a refusal's transaction was rolled back)."""
        async with self.engine.begin() as connection:
            await _insert_audit(connection, entry)

    async def audit_page(self, branch_id: str, limit: int, before_id: int | None) -> list[dict[str, Any]]:
        rows = await self._rows(
            "SELECT audit_id, at, subject, role, action, outcome, reason, customer_id, posting_id, detail"
            " FROM sandbox_core_audit WHERE branch_id = :b AND (CAST(:before AS bigint) IS NULL OR audit_id < :before)"
            " ORDER BY audit_id DESC LIMIT :n",
            {"b": branch_id, "before": before_id, "n": limit},
        )
        return [{**dict(row._mapping), "at": row.at.isoformat()} for row in rows]

    async def seed(
        self,
        customers: Sequence[tuple[Customer, list[Account], list[Plan]]],
        shared: list[Account],
        *,
        now: dt.datetime,
        local_day: dt.date,
        services: Sequence[ServiceState] = (),
    ) -> int:
        """The shared accounts and each customer not there yet, with their opening postings: one transaction,
        under an advisory lock (replicas seeding together seed once). Returns the customers added."""
        added = 0
        async with self.transaction() as ledger:
            connection = ledger.connection
            await connection.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('sandbox-core-seed', 0))"))
            await connection.execute(
                text(
                    f"INSERT INTO sandbox_core_accounts ({ACCOUNT_COLUMNS}) VALUES (:account_id, NULL, :number,"
                    " :kind, :currency, 0, 0, :name) ON CONFLICT DO NOTHING"
                ),
                [
                    {
                        "account_id": a.account_id,
                        "number": a.number,
                        "kind": a.kind.value,
                        "currency": a.currency,
                        "name": a.name,
                    }
                    for a in shared
                ],
            )
            for customer, accounts, plans in customers:
                inserted = await connection.execute(
                    text(
                        f"INSERT INTO sandbox_core_customers ({CUSTOMER_COLUMNS})"
                        " VALUES (:c, :b, :n, :m, :phone) ON CONFLICT DO NOTHING RETURNING customer_id"
                    ),
                    {
                        "c": customer.customer_id,
                        "b": customer.branch_id,
                        "n": customer.display_name,
                        "m": customer.id_number_masked,
                        "phone": customer.phone_masked,
                    },
                )
                if inserted.first() is None:
                    continue
                await connection.execute(
                    text(
                        f"INSERT INTO sandbox_core_accounts ({ACCOUNT_COLUMNS}) VALUES (:account_id, :customer_id,"
                        " :number, :kind, :currency, 0, :limit, :name)"
                    ),
                    [
                        {
                            "account_id": a.account_id,
                            "customer_id": a.customer_id,
                            "number": a.number,
                            "kind": a.kind.value,
                            "currency": a.currency,
                            "limit": a.credit_limit_minor,
                            "name": a.name,
                        }
                        for a in accounts
                    ],
                )
                for plan in plans:
                    day = local_day - dt.timedelta(days=plan.days_ago)
                    await ledger.insert(
                        plan,
                        branch_id=customer.branch_id,
                        channel="seed",
                        key=None,
                        now=now - dt.timedelta(days=plan.days_ago),
                        local_day=day,
                    )
                added += 1
            if services:  # every start: the demo states of customers seeded before these existed too
                await connection.execute(
                    text(
                        "INSERT INTO sandbox_core_services (customer_id, service, subject, state, detail, updated_at)"
                        " SELECT :c, :s, :j, :state, CAST(:detail AS jsonb), :now WHERE EXISTS (SELECT 1 FROM"
                        " sandbox_core_customers WHERE customer_id = :c) ON CONFLICT DO NOTHING"
                    ),
                    [
                        {
                            "c": x.customer_id,
                            "s": x.service,
                            "j": x.subject,
                            "state": x.state,
                            "detail": json.dumps(x.detail, ensure_ascii=False),
                            "now": now,
                        }
                        for x in services
                    ],
                )
        return added
