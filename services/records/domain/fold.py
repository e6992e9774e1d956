"""One batch of new events (each stored for the first time) folded into the state and the rollups.

The caller loads the state the batch touches (:func:`keys_of`), calls :func:`fold`, and writes back what
changed and the rollups, all in the transaction that stored the events. Events are taken in event-time order
(the batch mixes topics and partitions; one branch's events of one topic keep their order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from branchops.contracts.events import (
    Feedback,
    Footfall,
    KycResult,
    Occupancy,
    StaffingAlert,
    Ticket,
    VoiceInteraction,
    Window,
)
from services.records.domain import activity, journeys, occupancy
from services.records.domain.activity import AlertState, VoiceSession, WindowStaff
from services.records.domain.credits import Staffing, Timeline
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
    timeline: Timeline = field(default_factory=Timeline)
    """Staffing points and credits of the windows the batch touches (domain/credits.py)."""

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
    staffing: Mapping[Key, dt.datetime] = field(default_factory=dict)
    """Windows named by the batch -> the earliest time the batch needs their staffing at (from the events;
    :func:`staffing_since` adds the calls of the journeys loaded)."""
    recredit: Mapping[Key, dt.datetime] = field(default_factory=dict)
    """Windows with window events in the batch -> the earliest of them: credits from then on may move."""


def _earliest(into: dict[Key, dt.datetime], key: Key, at: dt.datetime) -> None:
    seen = into.get(key)
    if seen is None or at < seen:
        into[key] = at


def keys_of(data: Iterable[Any]) -> Keys:
    found: dict[str, set[Key]] = {k: set() for k in STATE_KINDS}
    staffing: dict[Key, dt.datetime] = {}
    recredit: dict[Key, dt.datetime] = {}
    for d in data:
        kind = type(d)
        if kind is Ticket:
            found["journeys"].add((d.branch_id, d.ticket_id))
            if d.window_id:
                found["windows"].add((d.branch_id, d.window_id))
                _earliest(staffing, (d.branch_id, d.window_id), d.at)
        elif kind is Window:
            found["windows"].add((d.branch_id, d.window_id))
            _earliest(staffing, (d.branch_id, d.window_id), d.at)
            _earliest(recredit, (d.branch_id, d.window_id), d.at)
        elif kind is Feedback:
            if d.window_id:
                found["windows"].add((d.branch_id, d.window_id))
                _earliest(staffing, (d.branch_id, d.window_id), d.at)
        elif kind is VoiceInteraction:
            found["sessions"].add((d.branch_id, d.session_id))
        elif kind is StaffingAlert:
            found["alerts"].add((d.branch_id, d.alert_id))
    return Keys(**{k: frozenset(v) for k, v in found.items()}, staffing=staffing, recredit=recredit)


def staffing_since(keys: Keys, state: State) -> dict[Key, dt.datetime]:
    """Per window, the earliest time the batch needs its staffing at: its events', and the calls of the loaded
    journeys (a ticket ending in the batch is credited at its call, maybe in an earlier batch)."""
    since = dict(keys.staffing)
    for j in state.journeys.values():
        if j.window_id and j.called_at is not None:
            _earliest(since, (j.branch_id, j.window_id), j.called_at)
    return since


def fold(data: Sequence[Any], state: State, rules_of: Callable[[str], BranchRules]) -> Rollups:
    """Fold the new events' data (any order: they are sorted by event time here) into ``state``; return the
    rollups they add. ``state`` must hold what :func:`keys_of` named (absent: not seen before), its timeline the
    staffing since :func:`staffing_since` (and the point before) and the credits since ``keys.recredit``."""
    out = Rollups()
    timeline = state.timeline
    timeline.begin()
    credit = timeline.credit
    changed = state.changed
    for d in sorted(data, key=lambda item: item.at):
        rules = rules_of(d.branch_id)
        kind = type(d)  # exact types: the contract models are final, and isinstance on them is slow
        if kind is Ticket:
            key = (d.branch_id, d.ticket_id)
            state.journeys[key] = journeys.step(state.journeys.get(key), d, rules, credit, out)
            changed["journeys"].add(key)
        elif kind is Window:
            key = (d.branch_id, d.window_id)
            state.windows[key] = activity.window_step(state.windows.get(key), d)
            changed["windows"].add(key)
            timeline.add_point(Staffing(d.branch_id, d.window_id, d.at, None, d.staff_id, d.state))
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
        elif kind is Occupancy:
            if not d.in_progress:  # the hour so far (live views) is kept raw, not added up
                out.add_grid(occupancy.hour_of(d, rules.tz))
        elif kind is Feedback:
            activity.feedback_step(d, rules, credit, out)
    timeline.settle(out)
    return out
