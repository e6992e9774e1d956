"""Tickets directed to one window (pure): who may be sent there, and how long they wait.

A teller may send the customer at their window to another, named window (a specialist, the manager's
desk). The ticket then waits in that window's own line, which only that window calls (before its
service lines); when the window closes or takes a break its directed tickets return to their service
lines at their original place in time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from branchops.contracts.enums import WindowState
from services.queue.domain.errors import Conflict, Invalid, NotFound
from services.queue.domain.predict import Estimate
from services.queue.domain.windows import WindowRecord

SPREAD = 0.35  # the estimate's range: the mean, plus or minus this share (and a minute)


class UnknownWindow(NotFound):
    title = "Unknown window"
    reason = "unknown_window"


class WindowNotOpen(Conflict):
    title = "Window not open"
    reason = "window_not_open"


class OwnWindow(Invalid):
    title = "Transfer to its own window"
    reason = "own_window"


def check_target(target: WindowRecord | None, to_window: str, from_window: str | None, branch_id: str) -> None:
    """Refuse a transfer to ``to_window``: the window the customer is at (``OwnWindow``), a window the
    branch does not have (``UnknownWindow``) or one not open now (``WindowNotOpen``)."""
    if from_window is not None and to_window == from_window:
        raise OwnWindow(f"the customer is already at window {to_window}: choose another window")
    if target is None:
        raise UnknownWindow(f"no window {to_window} in branch {branch_id}")
    if target.state is not WindowState.OPEN:
        raise WindowNotOpen(f"window {to_window} is {target.state.value}: it cannot take a customer now")


def current_remaining_min(mean_min: float, busy_since: dt.datetime | None, now: dt.datetime) -> float:
    """Minutes the window's current customer still needs (its mean service time less the time already
    spent; at least half a minute while someone is there); 0 when the window is free."""
    if busy_since is None:
        return 0.0
    spent = max((now - busy_since).total_seconds() / 60.0, 0.0)
    return max(mean_min - spent, 0.5)


def directed_wait(remaining_min: float, ahead_means_min: Sequence[float]) -> Estimate:
    """The wait of a directed ticket: the current customer's rest plus the mean service of each ticket
    ahead of it in the window's line, with a range of +/- ``SPREAD`` (and a minute)."""
    mean = max(remaining_min, 0.0) + sum(max(m, 0.0) for m in ahead_means_min)
    width = SPREAD * mean + 1.0
    return Estimate(mean_min=mean, low_min=max(mean - width, 0.0), high_min=mean + width)
