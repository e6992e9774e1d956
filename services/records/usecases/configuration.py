"""Read and change a branch's configuration: validation, optimistic concurrency, audit, event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from services.records.domain import preconditions
from services.records.domain.changes import for_event, summarize
from services.records.domain.config import BranchConfigChanged, ChangedBy, ConfigChange, StoredConfig
from services.records.domain.validation import validate

Clock = Callable[[], dt.datetime]


class ConfigPort(Protocol):
    async def get(self, branch_id: str) -> StoredConfig | None: ...

    async def change(
        self, branch_id: str, decide: Callable[[StoredConfig | None], ConfigChange | None]
    ) -> tuple[StoredConfig | None, bool]: ...

    async def announce(self, event_of: Callable[[StoredConfig], BranchConfigChanged]) -> int: ...


@dataclass(frozen=True)
class PutResult:
    stored: StoredConfig
    created: bool
    changed: bool


class Configuration:
    """``notify`` wakes the outbox relay after a change was committed."""

    def __init__(self, store: ConfigPort, notify: Callable[[], None], clock: Clock) -> None:
        self.store = store
        self.notify = notify
        self.clock = clock
        self._announced = False

    @property
    def announced(self) -> bool:
        """Whether this process start's announcement is staged."""
        return self._announced

    async def announce(self) -> int:
        """Publish every branch's current configuration on branch-config.v1 again (same version, masked as a
        change's event; through the outbox), once per process start: after a restart the broker may have lost
        them (a kept database, a new broker) and the services that consume them would never get their branch's
        configuration. Consumers ignore a version they have. Returns the events staged (0 when done before)."""
        if self._announced:
            return 0
        now = self.clock()

        def event_of(stored: StoredConfig) -> BranchConfigChanged:
            return BranchConfigChanged(
                branch_id=stored.branch_id,
                at=now,
                version=stored.version,
                changed_by=stored.updated_by,
                config=for_event(stored.config),
            )

        staged = await self.store.announce(event_of)
        self._announced = True
        if staged:
            self.notify()
        return staged

    async def get(self, branch_id: str) -> StoredConfig | None:
        return await self.store.get(branch_id)

    async def put(self, branch_id: str, raw: Any, if_match: str | None, who: ChangedBy) -> PutResult:
        """Validate ``raw`` (InvalidConfig), check If-Match against the stored version (PreconditionRequired,
        PreconditionFailed) and store it as the next version with its audit row and event. The same document
        again stores nothing and announces nothing."""
        config = validate(raw)
        wanted = preconditions.parse_if_match(if_match)

        def decide(current: StoredConfig | None) -> ConfigChange | None:
            preconditions.check(current.version if current else None, wanted)
            if current is not None and current.config == config:
                return None
            now = self.clock()
            version = current.version + 1 if current else 1
            stored = StoredConfig(branch_id=branch_id, version=version, config=config, updated_at=now, updated_by=who)
            event = BranchConfigChanged(
                branch_id=branch_id, at=now, version=version, changed_by=who, config=for_event(config)
            )
            return ConfigChange(stored, summarize(current.config if current else None, config), event)

        stored, changed = await self.store.change(branch_id, decide)
        assert stored is not None  # decide stored a version or returned the existing one
        if changed:
            self.notify()
        return PutResult(stored, created=changed and stored.version == 1, changed=changed)
