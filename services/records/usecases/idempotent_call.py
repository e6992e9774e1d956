"""One idempotent, confirmed, audited call of the sandbox core — a money movement or a self-service change:
the key checked and claimed, a replay answered as it was first given, the work done in one transaction, and
every outcome audited (replayed, done, refused; a refusal changes nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from services.records.adapters.sandbox_core_store import AuditEntry, Ledger, SandboxCoreStore
from services.records.domain.sandbox_core.errors import CoreRefused
from services.records.domain.sandbox_core.idempotency import check_key, request_hash
from services.records.domain.sandbox_core.identity import check_identity
from services.records.domain.sandbox_core.seed import Customer


@dataclass(frozen=True)
class Asked:
    """What the call's key covers, and what the customer must have confirmed (``what``: "movement", "change")."""

    action: str
    what: str
    branch_id: str
    customer_id: str
    idempotency_key: str | None
    confirmed: bool
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Done:
    status: int
    body: dict[str, Any]
    audit: AuditEntry
    posting_id: int | None = None


EntryOf = Callable[[str, str | None, str | None], AuditEntry]
"""(outcome, key, reason) -> the audit entry of a replayed or refused call."""
Work = Callable[[Ledger, str], Awaitable[Done]]
"""(ledger, checked key) -> what the call did, inside its transaction."""


async def idempotent_call(
    store: SandboxCoreStore, now: dt.datetime, asked: Asked, entry: EntryOf, work: Work
) -> tuple[int, dict[str, Any], bool]:
    """(status, body, replayed) of the call; a :class:`CoreRefused` is audited and re-raised."""
    key: str | None = asked.idempotency_key
    try:
        key = check_key(asked.idempotency_key)
        if asked.confirmed is not True:
            raise CoreRefused("confirmation_required", f"the customer must confirm the {asked.what} explicitly")
        fingerprint = request_hash(asked.action, asked.branch_id, asked.customer_id, asked.fields)
        async with store.transaction() as ledger:
            replay = await ledger.claim(asked.branch_id, key, fingerprint, now)
            if replay is not None:
                await ledger.audit(entry("replayed", key, None))
                return replay.status, replay.response, True
            done = await work(ledger, key)
            await ledger.finish(asked.branch_id, key, done.status, done.body, done.posting_id)
            await ledger.audit(done.audit)
            return done.status, done.body, False
    except CoreRefused as refused:
        await store.audit(entry("refused", key, refused.reason))
        raise


async def identified_customer(
    ledger: Ledger, branch_id: str, customer_id: str, identity: str | None, now: dt.datetime, window: dt.timedelta
) -> Customer:
    """The customer, locked for the call, whose recent approved KYC result ``identity`` names."""
    customer = await ledger.lock_customer(customer_id, branch_id)
    if customer is None:
        raise CoreRefused("unknown_customer", "no such customer in this branch's sandbox core")
    evidence = await ledger.kyc_evidence(branch_id, identity, now - window) if identity else None
    check_identity(evidence, customer.id_number_masked, now, window)
    return customer
