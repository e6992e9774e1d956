"""One batch of new events (each stored for the first time) folded into the state and the rollups.

The caller loads the state the batch touches (:func:`keys_of`), calls :func:`fold`, and writes back what
changed and the rollups, all in the transaction that stored the events. Events are taken in event-time order
(the batch mixes topics and partitions; one branch's events of one topic keep their order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from branchops.contracts.events import Feedback, Footfall, KycResult, StaffingAlert, Ticket, VoiceInteraction, Window
from services.records.domain import activity, journeys
from services.records.domain.activity import AlertState, VoiceSession, WindowStaff
from services.records.domain.journeys import Journey
from services.records.domain.rollups import Rollups
from services.records.domain.rules import BranchRules

Key = tuple[str, str]
STATE_KINDS = ("journeys", "windows", "sessions", "alerts")


@dataclass
class State:
    """The state the rollups are computed from, keyed by (branch, id); ``changed`` names what to write back."""

    journeys: dict[Key, Journey] = field(default_factory=dict)
    windows: dict[Key, WindowStaff] = field(default_factory=dict)
    sessions: dict[Key, VoiceSession] = field(default_factory=dict)
    alerts: dict[Key, AlertState] = field(default_factory=dict)
    changed: dict[str, set[Key]] = field(default_factory=lambda: {k: set() for k in STATE_KINDS})

    def changed_values(self, kind: str) -> list[Any]:
        values: dict[Key, Any] = getattr(self, kind)
        return [values[key] for key in sorted(self.changed[kind])]


@dataclass(frozen=True)
class Keys:
    """What state a batch needs, per kind."""

    journeys: frozenset[Key]
    windows: frozenset[Key]
    sessions: frozenset[Key]
    alerts: frozenset[Key]


def keys_of(data: Iterable[Any]) -> Keys:
    found: dict[str, set[Key]] = {k: set() for k in STATE_KINDS}
    for d in data:
        kind = type(d)
        if kind is Ticket:
            found["journeys"].add((d.branch_id, d.ticket_id))
            if d.window_id:
                found["windows"].add((d.branch_id, d.window_id))
        elif kind is Window:
            found["windows"].add((d.branch_id, d.window_id))
        elif kind is Feedback:
            if d.window_id:
                found["windows"].add((d.branch_id, d.window_id))
        elif kind is VoiceInteraction:
            found["sessions"].add((d.branch_id, d.session_id))
        elif kind is StaffingAlert:
            found["alerts"].add((d.branch_id, d.alert_id))
    return Keys(**{k: frozenset(v) for k, v in found.items()})


def fold(data: Sequence[Any], state: State, rules_of: Callable[[str], BranchRules]) -> Rollups:
    """Fold the new events' data (any order: they are sorted by event time here) into ``state``; return the
    rollups they add. ``state`` must hold what :func:`keys_of` named (absent: not seen before)."""
    out = Rollups()

    def staff_at(branch: str, window: str) -> str | None:
        current = state.windows.get((branch, window))
        return current.staff_id if current is not None else None

    changed = state.changed
    for d in sorted(data, key=lambda item: item.at):
        rules = rules_of(d.branch_id)
        kind = type(d)  # exact types: the contract models are final, and isinstance on them is slow
        if kind is Ticket:
            key = (d.branch_id, d.ticket_id)
            state.journeys[key] = journeys.step(state.journeys.get(key), d, rules, staff_at, out)
            changed["journeys"].add(key)
        elif kind is Window:
            key = (d.branch_id, d.window_id)
            state.windows[key] = activity.window_step(state.windows.get(key), d)
            changed["windows"].add(key)
        elif kind is VoiceInteraction:
            key = (d.branch_id, d.session_id)
            state.sessions[key] = activity.voice_step(state.sessions.get(key), d, rules, out)
            changed["sessions"].add(key)
        elif kind is StaffingAlert:
            key = (d.branch_id, d.alert_id)
            state.alerts[key] = activity.alert_step(state.alerts.get(key), d, rules, out)
            changed["alerts"].add(key)
        elif kind is Footfall:
            activity.footfall_step(d, rules, out)
        elif kind is KycResult:
            activity.kyc_step(d, rules, out)
        elif kind is Feedback:
            activity.feedback_step(d, rules, staff_at(d.branch_id, d.window_id) if d.window_id else None, out)
    return out
