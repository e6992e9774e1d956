"""Event handlers of the voice service (consumers only): queue.forecast.v1 keeps the wait board current."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from branchops.contracts import CloudEvent
from services.voice.adapters.queue_client import WaitBoard


@dataclass
class VoiceHandlers:
    waits: WaitBoard

    async def on_forecast(self, event: CloudEvent[Any]) -> None:
        """The newest waits per service, for the digital employee's hand-off answers (idempotent: an upsert)."""
        await self.waits.record(event.data)
