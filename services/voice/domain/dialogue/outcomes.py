"""How a customer's task with the digital employee ends (issue 19, item 5): ``completed`` without staff
(self-service done, appointment booked, information given) or ``handed_off`` to a person, with the reason.
A queue ticket for a counter is a hand-off (``counter_service``). Turns in the middle of a task end nothing.

Pure: the turn's outcome (and, for a hand-off, why) in; ``(end, end_reason)`` or ``(None, None)`` out.
"""

from __future__ import annotations

from typing import Final

COMPLETED: Final = "completed"
HANDED_OFF: Final = "handed_off"
COMPLETED_REASONS: Final = frozenset({"self_service_done", "appointment_booked", "information_given"})
HANDOFF_REASONS: Final = frozenset(
    {"counter_service", "human_asked", "not_understood", "identity_failed", "core_refused", "core_unavailable"}
)
_ENDS: Final[dict[str, tuple[str, str]]] = {
    "self_service_done": (COMPLETED, "self_service_done"),
    "booked": (COMPLETED, "appointment_booked"),
    "answered": (COMPLETED, "information_given"),
    "self_service": (COMPLETED, "information_given"),  # pointed to a kiosk function the core does not serve
    "ticket": (HANDED_OFF, "counter_service"),
    "identity_failed": (HANDED_OFF, "identity_failed"),
    "core_refused": (HANDED_OFF, "core_refused"),
    "core_unavailable": (HANDED_OFF, "core_unavailable"),
}


def ending(outcome: str, handoff_reason: str | None = None) -> tuple[str | None, str | None]:
    """``handoff`` (a priority ticket to a person) ends ``handed_off`` for ``handoff_reason`` (``human_asked``
    when the customer asked, ``not_understood`` after repeated misses)."""
    if outcome == "handoff":
        reason = handoff_reason if handoff_reason in HANDOFF_REASONS else "human_asked"
        return HANDED_OFF, reason
    return _ENDS.get(outcome, (None, None))
