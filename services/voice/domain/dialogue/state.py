"""Dialogue state of one kiosk session (stored as JSON in Redis with a TTL)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Phase = Literal["open", "filling", "confirming", "closed"]
SlotValue = str | int | float


@dataclass
class DialogueState:
    session_id: str
    branch_id: str
    kiosk_id: str
    lang: str = "zh"
    turn: int = 0
    phase: Phase = "open"
    intent: str | None = None
    slots: dict[str, SlotValue] = field(default_factory=dict)
    pending_slot: str | None = None
    misses: int = 0
    last_reply: str = ""
    ticket_number: str | None = None
    ticket_id: str | None = None  # the ticket this session issued (its queue status is read by id)
    identity: str | None = None  # the kiosk's approved KYC session: opens the customer's own data
    customer_id: str | None = None  # whom the core says that session names (learnt on the first read)
    banking: dict[str, str] = field(default_factory=dict)  # the movement being confirmed: account ids, masked
    confirm_turn: int | None = None  # the turn the movement was confirmed on: its idempotency key, kept on retry
    last_movement: dict[str, str] = field(default_factory=dict)  # posted this session, to undo (reversal.py)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> DialogueState:
        data: dict[str, Any] = json.loads(text)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def reset_task(self) -> None:
        self.phase = "open"
        self.intent = None
        self.slots = {}
        self.pending_slot = None
        self.misses = 0
        self.banking = {}
        self.confirm_turn = None
