"""Branch configurations in PostgreSQL: the current version, the audit log, and the outbox row, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from branchops.contracts import topics
from branchops.contracts.base import EventData
from services.records.adapters.database import DatabaseUnavailable, is_connection_error
from services.records.adapters.outbox import PgOutbox
from services.records.adapters.tables import branch_config, branch_config_audit, outbox
from services.records.domain.config import BranchConfig, ChangedBy, ConfigChange, StoredConfig

Decide = Callable[[StoredConfig | None], ConfigChange | None]
"""Given the current version (None: none yet), the change to store, or None to store nothing."""
ANNOUNCE_CHUNK = 200
"""Branches announced per transaction."""


def _stored(row: Any) -> StoredConfig:
    return StoredConfig(
        branch_id=row.branch_id,
        version=row.version,
        config=BranchConfig.model_validate(row.document),
        updated_at=row.updated_at,
        updated_by=ChangedBy(subject=row.updated_by_subject, role=row.updated_by_role),
    )


class ConfigStore:
    def __init__(self, engine: AsyncEngine, outbox: PgOutbox) -> None:
        self.engine = engine
        self.outbox = outbox

    async def get(self, branch_id: str) -> StoredConfig | None:
        try:
            async with self.engine.connect() as connection:
                return await self._current(connection, branch_id)
        except Exception as exc:
            _raise_if_unreachable(exc)
            raise

    async def _current(self, connection: AsyncConnection, branch_id: str) -> StoredConfig | None:
        row = (await connection.execute(select(branch_config).where(branch_config.c.branch_id == branch_id))).first()
        return None if row is None else _stored(row)

    async def change(self, branch_id: str, decide: Decide) -> tuple[StoredConfig | None, bool]:
        """Run ``decide`` on the current version, one change per branch at a time, and store what it returns
        with its audit row and its event (outbox): all or nothing. Returns (the version now stored, whether
        it is new). ``decide``'s exceptions propagate, nothing written."""
        try:
            async with self.engine.begin() as connection:
                await self._lock(connection, branch_id)
                current = await self._current(connection, branch_id)
                change = decide(current)
                if change is None:
                    return current, False
                await self._write(connection, change, created=current is None)
                await self.outbox.stage(connection, topics.BRANCH_CONFIG, change.event)
                return change.stored, True
        except Exception as exc:
            _raise_if_unreachable(exc)
            raise

    @staticmethod
    async def _lock(connection: AsyncConnection, branch_id: str) -> None:
        """Serialises the changes and announcements of one branch (the first change, no row to lock yet, too)."""
        await connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"branch-config:{branch_id}"}
        )

    async def announce(self, event_of: Callable[[StoredConfig], EventData]) -> int:
        """Stage ``event_of`` each branch's current version on branch-config.v1 again (the outbox publishes it);
        a branch whose branch-config event still waits in the outbox is left out (that one goes out). Under the
        branch's lock: a change made meanwhile is staged after the announcement, so the compacted topic keeps
        the newest version last. Returns the events staged."""
        try:
            async with self.engine.connect() as connection:
                branches = list(
                    (await connection.execute(select(branch_config.c.branch_id).order_by(branch_config.c.branch_id)))
                    .scalars()
                    .all()
                )
            staged = 0
            for start in range(0, len(branches), ANNOUNCE_CHUNK):
                async with self.engine.begin() as connection:
                    for branch_id in branches[start : start + ANNOUNCE_CHUNK]:
                        await self._lock(connection, branch_id)
                        waiting = await connection.scalar(
                            select(func.count())
                            .select_from(outbox)
                            .where(outbox.c.topic == topics.BRANCH_CONFIG.name, outbox.c.key == branch_id.encode())
                        )
                        current = await self._current(connection, branch_id)
                        if waiting or current is None:
                            continue
                        await self.outbox.stage(connection, topics.BRANCH_CONFIG, event_of(current))
                        staged += 1
            return staged
        except Exception as exc:
            _raise_if_unreachable(exc)
            raise

    @staticmethod
    async def _write(connection: AsyncConnection, change: ConfigChange, *, created: bool) -> None:
        stored = change.stored
        document = stored.config.model_dump(mode="json")
        values = {
            "version": stored.version,
            "document": document,
            "updated_at": stored.updated_at,
            "updated_by_subject": stored.updated_by.subject,
            "updated_by_role": stored.updated_by.role,
        }
        if created:
            await connection.execute(branch_config.insert().values(branch_id=stored.branch_id, **values))
        else:
            await connection.execute(
                branch_config.update().where(branch_config.c.branch_id == stored.branch_id).values(**values)
            )
        await connection.execute(
            branch_config_audit.insert().values(
                branch_id=stored.branch_id,
                version=stored.version,
                changed_at=stored.updated_at,
                subject=stored.updated_by.subject,
                role=stored.updated_by.role,
                diff=change.diff,
                document=document,
            )
        )

    async def history(self, branch_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """The latest audit rows of a branch, newest first (version, when, who, diff)."""
        audit = branch_config_audit
        try:
            async with self.engine.connect() as connection:
                rows = (
                    await connection.execute(
                        select(audit.c.version, audit.c.changed_at, audit.c.subject, audit.c.role, audit.c.diff)
                        .where(audit.c.branch_id == branch_id)
                        .order_by(audit.c.version.desc())
                        .limit(limit)
                    )
                ).all()
        except Exception as exc:
            _raise_if_unreachable(exc)
            raise
        return [dict(row._mapping) for row in rows]

    async def count(self) -> int:
        async with self.engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(branch_config)) or 0)


def _raise_if_unreachable(exc: Exception) -> None:
    if is_connection_error(exc):
        raise DatabaseUnavailable(f"PostgreSQL is unreachable ({type(exc).__name__}); nothing was changed") from exc
