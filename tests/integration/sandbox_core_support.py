"""The records service with its SANDBOX core against the session's PostgreSQL, and KYC results stored the way
the records consumer stores them (the real decode and ingest path, without a broker)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from branchops.contracts import encode, new_event, topics
from branchops.contracts import events as ev
from branchops.contracts.enums import DocType, KycDecision
from branchops.settings import PlatformSettings, Role
from services.records.adapters.history_store import HistoryStore
from services.records.adapters.partitions import Partitions
from services.records.domain.history import RAW_TABLE_NAMES
from services.records.domain.retention import retention_days
from services.records.handlers import HistoryHandler
from services.records.usecases.ingest import BranchRulesCache, Ingest
from services.records.usecases.sandbox_core import SandboxCore
from tests.conftest import api_key, make_platform
from tests.integration.records_support import SOURCE, records_settings, running_records

SERVICE = {"X-API-Key": api_key(Role.SERVICE)}
TELLER = {"X-API-Key": api_key(Role.TELLER)}
MANAGER = {"X-API-Key": api_key(Role.MANAGER)}
FIRST_MASKED = "3201**********1234"  # the first demo customer's ID number as KYC masks it
LIMITS = {"CNY": (1_000_000, 1_500_000)}  # 10,000.00 a movement, 15,000.00 a day: small enough to reach


@asynccontextmanager
async def running_core(
    database_url: str, redis_url: str, platform: PlatformSettings, **overrides: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = records_settings(database_url, redis_url, sandbox_core_limits=LIMITS, **overrides)
    async with running_records(settings, platform) as running:
        yield running


SandboxEnv = tuple[FastAPI, httpx.AsyncClient, AsyncEngine, str]


@asynccontextmanager
async def seeded_core(database_url: str, redis_url: str, bootstrap: str) -> AsyncIterator[SandboxEnv]:
    """The records app with its sandbox core and a new branch seeded: (app, client, engine, branch)."""
    async with running_core(database_url, redis_url, make_platform(bootstrap)) as (app, client):
        branch = new_branch()
        await seeded(app, branch)
        yield app, client, app.state.engine, branch


def idempotency_key() -> str:
    return f"test-{uuid.uuid4().hex}"


def new_branch() -> str:
    return f"sc-{uuid.uuid4().hex[:10]}"


async def seeded(app: FastAPI, branch: str) -> None:
    core: SandboxCore = app.state.sandbox_core
    assert await core.seed(branch) == 3


def customer(branch: str, n: int = 1) -> str:
    return f"sbx-{branch}-c{n:02d}"


def account(branch: str, n: int, a: int) -> str:
    return f"{customer(branch, n)}-a{a}"


async def store_kyc(
    engine: AsyncEngine,
    branch: str,
    *,
    decision: KycDecision = KycDecision.APPROVED,
    ago: dt.timedelta = dt.timedelta(minutes=1),
    masked: str = FIRST_MASKED,
) -> str:
    """A kyc.results.v1 event of a new session, decoded and ingested as the records consumer does; its id."""
    session_id = f"kyc-{uuid.uuid4().hex[:12]}"
    now = dt.datetime.now(dt.UTC)
    data = ev.KycResult(
        branch_id=branch,
        at=now - ago,
        session_id=session_id,
        kiosk_id="kiosk-1",
        doc_type=DocType.ID_CARD,
        decision=decision,
        checks={"ocr": True, "face_score": 0.93},
        id_number_masked=masked,
    )
    store = HistoryStore(engine)
    ingest = Ingest(
        store,
        Partitions(engine, RAW_TABLE_NAMES),
        BranchRulesCache(store.branch_documents),
        retention_days({}),
        lambda: now,
    )
    handler = HistoryHandler(ingest)
    value = encode(new_event(topics.KYC_RESULTS, data, source=SOURCE))
    report = await handler.on_batch([handler.decode(topics.KYC_RESULTS, value)])
    assert report.stored == 1
    return session_id


async def balances(engine: AsyncEngine, branch: str) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT a.account_id, a.balance_minor FROM sandbox_core_accounts a"
                " JOIN sandbox_core_customers c ON c.customer_id = a.customer_id WHERE c.branch_id = :b"
            ),
            {"b": branch},
        )
        return {row.account_id: int(row.balance_minor) for row in rows}


async def ledger_consistent(engine: AsyncEngine) -> None:
    """Every account's balance is the sum of its legs; every posting's legs add up to zero."""
    async with engine.connect() as connection:
        drift = await connection.scalar(
            text(
                "SELECT count(*) FROM sandbox_core_accounts a WHERE a.balance_minor <>"
                " (SELECT coalesce(sum(l.amount_minor), 0) FROM sandbox_core_legs l WHERE l.account_id = a.account_id)"
            )
        )
        unbalanced = await connection.scalar(
            text(
                "SELECT count(*) FROM (SELECT posting_id FROM sandbox_core_legs GROUP BY posting_id"
                " HAVING sum(amount_minor) <> 0) x"
            )
        )
    assert (drift, unbalanced) == (0, 0)


async def postings_of(engine: AsyncEngine, branch: str, kind: str | None = None) -> int:
    async with engine.connect() as connection:
        return int(
            await connection.scalar(
                text(
                    "SELECT count(*) FROM sandbox_core_postings WHERE branch_id = :b AND channel <> 'seed'"
                    " AND (CAST(:k AS text) IS NULL OR kind = :k)"
                ),
                {"b": branch, "k": kind},
            )
            or 0
        )
