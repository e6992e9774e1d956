"""Gateway handlers: every topic's events go to the broadcaster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from branchops.contracts import CloudEvent, encode
from services.gateway.adapters.broadcaster import Broadcaster
from services.gateway.domain.replay import StreamItem


@dataclass
class GatewayHandlers:
    broadcaster: Broadcaster

    async def on_event(self, event: CloudEvent[Any]) -> None:
        self.broadcaster.publish(
            StreamItem(event_id=event.id, event_type=event.type, branch_id=event.subject,
                       payload=encode(event).decode())
        )
