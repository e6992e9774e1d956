"""Event handlers of the voice service (consumers only): queue.forecast.v1 keeps the wait board current,
branch-config.v1 the branch facts (opening hours, services) the digital employee answers with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from branchops.contracts import CloudEvent
from services.voice.adapters.branch_facts import BranchFactsBoard
from services.voice.adapters.queue_client import WaitBoard


@dataclass
class VoiceHandlers:
    waits: WaitBoard
    facts: BranchFactsBoard | None = None

    async def on_forecast(self, event: CloudEvent[Any]) -> None:
        """The newest waits per service, for the digital employee's hand-off answers (idempotent: an upsert)."""
        await self.waits.record(event.data)

    async def on_branch_config(self, event: CloudEvent[Any]) -> None:
        """The newest configuration's facts per branch (idempotent: an older or repeated version is ignored)."""
        if self.facts is not None:
            await self.facts.record(event.data)
