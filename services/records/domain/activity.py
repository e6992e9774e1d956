"""What the other topics add to the rollups: windows (who staffs them), voice sessions, alerts, footfall,
KYC decisions and ratings. Each function takes one new event and the state it needs, returns the new state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from branchops.contracts.events import Feedback, Footfall, KycResult, StaffingAlert, VoiceInteraction, Window
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
"""Voice outcomes where the digital employee did what was asked: answered, sent to self-service, issued a ticket."""


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
    after = replace(
        current,
        handed_off=current.handed_off or turn.outcome in HANDED_OFF,
        completed=current.completed or turn.outcome in COMPLETED_WITHOUT_STAFF,
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


def alert_step(current: AlertState | None, alert: StaffingAlert, rules: BranchRules, out: Rollups) -> AlertState:
    """An alert is raised once (its first event); staffing publishes it again, same id, when it escalates.

    staffing.alerts.v1 carries no acknowledgement or expiry yet, so ``acknowledged``, ``ack_s_sum`` and
    ``expired`` stay zero until it does (see docs/adr/0006)."""
    if current is None:
        current = AlertState(
            alert.branch_id, alert.alert_id, alert.kind.value, rules.calendar.day(alert.at), alert.at, False, alert.at
        )
        out.add(ALERT_DAY, (alert.branch_id, current.day, current.kind), raised=1)
    escalated = bool(alert.reason.get("escalated"))
    if escalated and not current.escalated:
        out.add(ALERT_DAY, (alert.branch_id, current.day, current.kind), escalated=1)
    return replace(current, escalated=current.escalated or escalated, last_at=max(current.last_at, alert.at))


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


def feedback_step(feedback: Feedback, rules: BranchRules, staff_at: str | None, out: Rollups) -> None:
    """A rating counts for the window and the staff member it names (else whoever staffs that window now)."""
    day = rules.calendar.day(feedback.at)
    if feedback.window_id:
        out.add(WINDOW_DAY, (feedback.branch_id, day, feedback.window_id), ratings=1, rating_sum=feedback.rating)
    staff = feedback.staff_id or staff_at
    if staff:
        out.add(STAFF_DAY, (feedback.branch_id, day, staff), ratings=1, rating_sum=feedback.rating)
