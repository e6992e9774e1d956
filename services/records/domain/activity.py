"""What the other topics add to the rollups: windows (who staffs them), voice sessions, alerts, footfall,
KYC decisions and ratings. Each function takes one new event and the state it needs, returns the new state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from branchops.contracts.events import Feedback, Footfall, KycResult, StaffingAlert, VoiceInteraction, Window
from services.records.domain.credits import Credit
from services.records.domain.rollups import (
    ALERT_DAY,
    FOOTFALL_INTERVAL,
    KYC_DAY,
    STAFF_DAY,
    VOICE_DAY,
    WINDOW_DAY,
    Rollups,
)
from services.records.domain.rules import BranchRules

HANDED_OFF = frozenset({"handoff"})
"""Voice outcomes that hand the customer to a person (a priority ticket to a teller)."""
COMPLETED_WITHOUT_STAFF = frozenset({"answered", "self_service", "ticket"})
"""Voice outcomes where the digital employee did what was asked (turns without ``end``, of older versions; with it,
``end`` decides: ``completed`` or ``handed_off``, where a counter ticket is a hand-off)."""


@dataclass(frozen=True, slots=True)
class WindowStaff:
    branch_id: str
    window_id: str
    staff_id: str | None
    state: str
    at: dt.datetime


def window_step(current: WindowStaff | None, window: Window) -> WindowStaff:
    """The newest state of a window wins (an older event that comes late changes nothing)."""
    if current is not None and current.at > window.at:
        return current
    return WindowStaff(window.branch_id, window.window_id, window.staff_id, window.state.value, window.at)


@dataclass(frozen=True, slots=True)
class VoiceSession:
    branch_id: str
    session_id: str
    day: dt.date
    handed_off: bool
    completed: bool
    last_at: dt.datetime

    @property
    def outcome(self) -> str | None:
        """``handed_off`` wins over ``completed_without_staff``: a session is counted under one of them at most."""
        if self.handed_off:
            return "handed_off"
        return "completed_without_staff" if self.completed else None


def voice_step(current: VoiceSession | None, turn: VoiceInteraction, rules: BranchRules, out: Rollups) -> VoiceSession:
    """A session counts once, on the local day of its first turn seen; its outcome moves as turns come
    (a session completed and later handed off moves from one count to the other)."""
    if current is None:
        current = VoiceSession(turn.branch_id, turn.session_id, rules.calendar.day(turn.at), False, False, turn.at)
        out.add(VOICE_DAY, (turn.branch_id, current.day), sessions=1)
    if turn.end is not None:  # the voice service says how the task ended (a counter ticket is a hand-off)
        handed, done = turn.end == "handed_off", turn.end == "completed"
    else:  # turns of a version that did not say: read from the outcome
        handed, done = turn.outcome in HANDED_OFF, turn.outcome in COMPLETED_WITHOUT_STAFF
    after = replace(
        current,
        handed_off=current.handed_off or handed,
        completed=current.completed or done,
        last_at=max(current.last_at, turn.at),
    )
    counts: dict[str, float] = {"turns": 1}
    if after.outcome != current.outcome:
        if current.outcome:
            counts[current.outcome] = -1
        if after.outcome:
            counts[after.outcome] = 1
    out.add(VOICE_DAY, (turn.branch_id, current.day), **counts)
    return after


@dataclass(frozen=True, slots=True)
class AlertState:
    branch_id: str
    alert_id: str
    kind: str
    day: dt.date
    raised_at: dt.datetime
    escalated: bool
    last_at: dt.datetime
    acknowledged_at: dt.datetime | None = None
    expired: bool = False


def _ack_s(raised_at: dt.datetime, acknowledged_at: dt.datetime) -> float:
    return max((acknowledged_at - raised_at).total_seconds(), 0.0)


def alert_step(current: AlertState | None, alert: StaffingAlert, rules: BranchRules, out: Rollups) -> AlertState:
    """An alert counts on the local day it was raised, once per alert id; staffing publishes it again with the
    same id when it escalates (``reason.escalated``), when it is acknowledged (``acknowledged_at``) and once
    when it expires unacknowledged (``expired``), each a new event.

    - ``raised``: its first event seen (a re-publication seen first stands in for the raising, at its time).
    - ``escalated``: the first version that says so.
    - ``acknowledged`` and ``ack_s_sum`` (acknowledged_at - raised_at): the first version that carries
      ``acknowledged_at``. An expiry counted before is taken back: an acknowledged alert never counts as expired.
    - ``expired``: the first version that says so, unless the alert is acknowledged.
    - A raising that comes after a re-publication (out of order) moves ``raised_at`` back, and the time to
      acknowledge already counted with it; the day stays the one counted."""
    if current is None:
        current = AlertState(
            alert.branch_id, alert.alert_id, alert.kind.value, rules.calendar.day(alert.at), alert.at, False, alert.at
        )
        out.add(ALERT_DAY, (alert.branch_id, current.day, current.kind), raised=1)
    key = (alert.branch_id, current.day, current.kind)
    raised_at, acknowledged_at, expired = current.raised_at, current.acknowledged_at, current.expired
    if alert.acknowledged_at is None and not alert.expired and alert.at < raised_at:
        if acknowledged_at is not None:  # the raising came late: the time to acknowledge grows by as much
            out.add(ALERT_DAY, key, ack_s_sum=_ack_s(alert.at, acknowledged_at) - _ack_s(raised_at, acknowledged_at))
        raised_at = alert.at
    escalated = bool(alert.reason.get("escalated"))
    if escalated and not current.escalated:
        out.add(ALERT_DAY, key, escalated=1)
    if alert.acknowledged_at is not None and acknowledged_at is None:
        acknowledged_at = alert.acknowledged_at
        counts: dict[str, float] = {"acknowledged": 1, "ack_s_sum": _ack_s(raised_at, acknowledged_at)}
        if expired:
            counts["expired"] = -1
            expired = False
        out.add(ALERT_DAY, key, **counts)
    elif alert.expired and not expired and acknowledged_at is None:
        expired = True
        out.add(ALERT_DAY, key, expired=1)
    return replace(
        current,
        raised_at=raised_at,
        escalated=current.escalated or escalated,
        last_at=max(current.last_at, alert.at),
        acknowledged_at=acknowledged_at,
        expired=expired,
    )


def footfall_step(footfall: Footfall, rules: BranchRules, out: Rollups) -> None:
    start, day = rules.calendar.interval(footfall.window_start)
    out.add(
        FOOTFALL_INTERVAL,
        (footfall.branch_id, footfall.camera_id, start),
        (day,),
        entered=footfall.entered,
        exited=footfall.exited,
    )


def kyc_step(result: KycResult, rules: BranchRules, out: Rollups) -> None:
    out.add(KYC_DAY, (result.branch_id, rules.calendar.day(result.at), result.decision.value), decisions=1)


def feedback_step(feedback: Feedback, rules: BranchRules, credit: Callable[[Credit], None], out: Rollups) -> None:
    """A rating counts for the window and the staff member it names, else (a credit, domain/credits.py) for whoever
    staffed that window at the rating's time."""
    day = rules.calendar.day(feedback.at)
    if feedback.window_id:
        out.add(WINDOW_DAY, (feedback.branch_id, day, feedback.window_id), ratings=1, rating_sum=feedback.rating)
    if feedback.staff_id:
        out.add(STAFF_DAY, (feedback.branch_id, day, feedback.staff_id), ratings=1, rating_sum=feedback.rating)
    elif feedback.window_id:
        ref = f"rating:{feedback.ticket_id}"
        counts = {"ratings": 1, "rating_sum": feedback.rating}
        credit(Credit.of(feedback.branch_id, feedback.window_id, feedback.at, ref, day, counts))
