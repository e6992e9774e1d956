"""Who sits at which window, minute by minute: the simulated floor following staffing's plan and the alerts
a manager acknowledged (pure: values in, values out; :mod:`simulation.live_branch` plays it over HTTP).

* :func:`seats_from_plan`: the plan's assignments (plan JSON of ``GET /v1/branches/{b}/plan``) at a minute:
  everyone on shift, not on a break and serving a service takes a window that serves it, their own
  window first (the configuration gives each teller of :func:`simulation.demo_config.demo_config` one), else
  the first free window with the skill, single-service windows before mixed ones.
* :func:`seats_from_windows`: without a plan, the manager's fixed day of :func:`~simulation.live_branch.demo_day`.
* :class:`Orders`: what acknowledged alerts told the floor, acted on after a human-like delay: open a window
  (with the named person), close one, recall someone from a break, delay a break; each for ``HOLD_MIN``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from branchops.contracts.enums import ServiceName
from simulation.branch_day import WindowPlan

OPENS_MIN = 9 * 60  # the simulated branch opens at 09:00 local (simulation.demo_config.OPEN)
HOLD_MIN = 30.0  # an order from an acknowledged alert holds this long (then the plan decides again)
DELAY_BREAK_MIN = 15.0
ACT_DELAY_MIN = (2.0, 6.0)  # a teller acts this long after the manager acknowledged (uniform)


@dataclass(frozen=True)
class Seat:
    window_id: str
    staff_id: str | None
    skills: tuple[ServiceName, ...]


def clock_of(minute: float) -> str:
    """Minutes from opening -> local ``"HH:MM"``."""
    total = OPENS_MIN + int(minute)
    return f"{total // 60:02d}:{total % 60:02d}"


def home_windows(windows: Sequence[WindowPlan]) -> dict[str, str]:
    """Teller ``t01`` sits at the first window, ``t02`` at the second... (the demo configuration's order)."""
    return {f"t{i + 1:02d}": w.window_id for i, w in enumerate(windows)}


def _serving(assignment: Mapping[str, Any], clock: str, no_break: bool) -> str | None:
    if not assignment["start"] <= clock < assignment["end"]:
        return None
    resting = any(b["start"] <= clock < b["end"] for b in assignment.get("breaks", ()))
    if resting and not no_break:
        return None
    stretches = list(assignment.get("serving", ()))
    for stretch in stretches:
        if stretch["start"] <= clock < stretch["end"]:
            return str(stretch["service"])
    if resting and stretches:  # a delayed break: keep serving what came before it
        before = [s for s in stretches if s["end"] <= clock]
        return str((before[-1] if before else stretches[0])["service"])
    return None


def seats_from_plan(
    plan: Mapping[str, Any],
    minute: float,
    windows: Sequence[WindowPlan],
    *,
    absent: Iterable[str] = (),
    orders: Orders | None = None,
) -> dict[str, Seat]:
    """Window id -> who sits there now (only open windows are in it)."""
    clock, home, orders = clock_of(minute), home_windows(windows), orders or Orders()
    by_id = {w.window_id: w for w in windows}
    closed = orders.closed(minute)  # window -> the person told to leave it
    away = set(absent) | set(closed.values())
    wanted: list[tuple[str, str]] = []  # (staff, service)
    for assignment in plan.get("assignments", ()):
        staff = str(assignment["staff_id"])
        if staff in away:
            continue
        service = _serving(assignment, clock, staff in orders.no_break(minute))
        if service is not None:
            wanted.append((staff, service))
    seats: dict[str, Seat] = {}
    forced = orders.opened(minute)  # window -> staff
    for window_id, staff in forced.items():
        if window_id in by_id and staff not in away:
            seats[window_id] = Seat(window_id, staff, by_id[window_id].skills)
    placed = {s.staff_id for s in seats.values()}
    recalled = [(s, v) for s, v in orders.recalled(minute).items() if s not in away]
    for staff, service in [*wanted, *recalled]:
        if staff in placed:
            continue
        kind = ServiceName(service) if service in ServiceName._value2member_map_ else None
        options = [home[staff]] if staff in home else []
        options += [w.window_id for w in sorted(windows, key=lambda w: len(w.skills))]
        for window_id in options:
            window = by_id.get(window_id)
            if window is None or window_id in seats or window_id in closed:
                continue
            if kind is not None and kind not in window.skills:
                continue
            seats[window_id] = Seat(window_id, staff, window.skills)
            placed.add(staff)
            break
    return seats


def seats_from_windows(windows: Sequence[WindowPlan], minute: float, *, absent: Iterable[str] = ()) -> dict[str, Seat]:
    """The manager's fixed day: each window open in its periods, with its own teller."""
    owner = {w: s for s, w in home_windows(windows).items()}
    away = set(absent)
    seats = {}
    for window in windows:
        staff = owner.get(window.window_id)
        if staff in away:
            continue
        if any(start <= minute < end for start, end in window.open_periods):
            seats[window.window_id] = Seat(window.window_id, staff, window.skills)
    return seats


@dataclass
class Orders:
    """Acknowledged alerts the floor acts on: alert id -> (minute it is acted on, the alert)."""

    acting: dict[str, tuple[float, Mapping[str, Any]]] = field(default_factory=dict)

    def learn(self, alerts: Iterable[Mapping[str, Any]], minute: float, rng: random.Random) -> list[str]:
        """Take the acknowledged alerts not seen before; the ids of the new ones."""
        new = []
        for alert in alerts:
            alert_id = str(alert["alert_id"])
            if alert.get("status") == "acknowledged" and alert_id not in self.acting:
                self.acting[alert_id] = (minute + rng.uniform(*ACT_DELAY_MIN), alert)
                new.append(alert_id)
        return new

    def _active(self, minute: float, kind: str, hold: float = HOLD_MIN) -> list[Mapping[str, Any]]:
        return [a for at, a in self.acting.values() if a.get("kind") == kind and at <= minute < at + hold]

    def acted_at(self, kind: str) -> list[float]:
        return sorted(at for at, a in self.acting.values() if a.get("kind") == kind)

    def opened(self, minute: float) -> dict[str, str]:
        return {
            str(a["window_id"]): str(a["staff_id"])
            for a in self._active(minute, "open_window")
            if a.get("window_id") and a.get("staff_id")
        }

    def closed(self, minute: float) -> dict[str, str]:
        return {
            str(a["window_id"]): str(a.get("staff_id") or "")
            for a in self._active(minute, "close_window")
            if a.get("window_id")
        }

    def recalled(self, minute: float) -> dict[str, str]:
        return {
            str(a["staff_id"]): str(a.get("reason", {}).get("service", ""))
            for a in self._active(minute, "recall_staff")
            if a.get("staff_id")
        }

    def no_break(self, minute: float) -> set[str]:
        return {str(a["staff_id"]) for a in self._active(minute, "delay_break", DELAY_BREAK_MIN) if a.get("staff_id")}

    def camera_fixed_at(self) -> float | None:
        fixes = self.acted_at("camera_down")
        return fixes[0] if fixes else None
