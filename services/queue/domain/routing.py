"""Who a window calls next: skills, priority, longest wait, and protection against starvation (pure).

Every waiting ticket has a score: the epoch seconds at which it joined its line minus the head start
its priority earns (configurable, bounded: a normal customer who has waited longer than the head start
still goes before a priority customer who just arrived, so nobody starves behind priority traffic).
A window calls the lowest score among its skills' lines; a line that is not the window's first skill
pays a penalty, so a window prefers its own service but takes a customer of another skill who has
waited ``secondary_penalty_s`` longer than the head of its own line (protection of small services).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from branchops.contracts.enums import Channel, Priority, ServiceName

EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp()
DEFAULT_HEAD_START_S: dict[Priority, float] = {
    Priority.NORMAL: 0.0,
    Priority.ELDERLY: 600.0,
    Priority.DISABLED: 900.0,
    Priority.VIP: 600.0,
    Priority.URGENT: 1800.0,
}
DEFAULT_CHANNELS_FOR: dict[Priority, frozenset[Channel]] = {
    # VIP and urgent are set by staff (teller) or trusted systems (appointment; the digital employee's
    # hand-off to a person, e.g. a fraud report); customers may claim elderly or disabled at the kiosk,
    # where staff can see them.
    Priority.VIP: frozenset({Channel.TELLER, Channel.APPOINTMENT}),
    Priority.URGENT: frozenset({Channel.TELLER, Channel.VOICE}),
}


@dataclass(frozen=True)
class RoutingRules:
    head_start_s: Mapping[Priority, float] = field(default_factory=lambda: dict(DEFAULT_HEAD_START_S))
    channels_for: Mapping[Priority, frozenset[Channel]] = field(default_factory=lambda: dict(DEFAULT_CHANNELS_FOR))
    secondary_penalty_s: float = 600.0

    def score(self, joined_at: dt.datetime, priority: Priority, order: int = 0) -> float:
        """Seconds since 2025 minus the head start; ``order`` (the day's ticket sequence) breaks ties
        between tickets of one instant in issue order (a microsecond each)."""
        return joined_at.timestamp() - EPOCH - float(self.head_start_s.get(priority, 0.0)) + order * 1e-6

    def priority_allowed(self, priority: Priority, channel: Channel) -> bool:
        allowed = self.channels_for.get(priority)
        return allowed is None or channel in allowed


@dataclass(frozen=True)
class Head:
    """The first ticket of one service's line."""

    service: ServiceName
    ticket_id: str
    score: float


def choose_next(heads: Sequence[Head], skills: Sequence[ServiceName], rules: RoutingRules) -> Head | None:
    """The head a window with ``skills`` (first = its own service) calls; None when nobody waits."""
    best: tuple[float, int, Head] | None = None
    for rank, service in enumerate(skills):
        for head in heads:
            if head.service is not service:
                continue
            key = head.score + (rules.secondary_penalty_s if rank else 0.0)
            if best is None or (key, rank) < best[:2]:
                best = (key, rank, head)
    return None if best is None else best[2]
