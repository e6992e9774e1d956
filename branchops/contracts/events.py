"""One pydantic model per topic of DESIGN.md section 3 (the ``data`` of the CloudEvent)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints, field_validator, model_validator

from branchops.contracts.base import BranchId, ClockTime, EventData, Identifier, NonNegative, Part
from branchops.contracts.branch_config import BranchConfig
from branchops.contracts.enums import (
    AlertKind,
    CameraState,
    Channel,
    DocType,
    KycDecision,
    Language,
    Priority,
    ServiceName,
    Severity,
    TicketStatus,
    WindowState,
)

TicketNumber = Annotated[str, StringConstraints(pattern=r"^[A-Z]\d{3,4}$")]
MaskedIdNumber = Annotated[str, StringConstraints(pattern=r"^(\d{4}\*{6,12}[\dX*]{3,4})?$")]


class Footfall(EventData):
    """People counts of one camera over one aggregation window."""

    camera_id: Identifier
    window_start: AwareDatetime
    window_end: AwareDatetime
    entered: NonNegative
    exited: NonNegative
    occupancy: dict[str, NonNegative] = Field(default_factory=dict, description="people per zone now")
    dwell_p50_s: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _window_order(self) -> Footfall:
        if self.window_end < self.window_start:
            raise ValueError("window_end is before window_start")
        return self


GRID_MAX_CELLS = 64 * 36
"""The largest occupancy grid (columns x rows) an event may carry."""


class Occupancy(EventData):
    """Where people were in one camera's view over one hour: a grid over the frame (``cols`` x ``rows`` cells,
    row-major from the top left), each cell the person-seconds spent there by confirmed tracks (their foot
    point, the bottom centre of the box), and the most people seen at once. Counts only: never an image, a
    box or a track. A worker that stops mid-hour sends the part it saw (``seconds`` < the hour); grids of
    one camera and hour add up. ``in_progress`` events show the hour so far and are not added up."""

    camera_id: Identifier
    hour_start: AwareDatetime
    hour_end: AwareDatetime
    cols: Annotated[int, Field(ge=1, le=64)]
    rows: Annotated[int, Field(ge=1, le=36)]
    person_s: list[Annotated[float, Field(ge=0, le=1e7)]] = Field(
        max_length=GRID_MAX_CELLS, description="person-seconds per cell, row-major from the top left"
    )
    seconds: Annotated[float, Field(ge=0, le=3600)] = Field(description="seconds of the hour the camera saw")
    peak: NonNegative = Field(description="most people in the view at once")
    in_progress: bool = Field(
        False,
        description="the hour so far, sent every minute or so for live views; each replaces the one before, and "
        "the hour's own event (in_progress false) follows at its end: only that one is added up",
    )

    @model_validator(mode="after")
    def _grid_fits(self) -> Occupancy:
        if self.hour_end <= self.hour_start:
            raise ValueError("hour_end is not after hour_start")
        if len(self.person_s) != self.cols * self.rows:
            raise ValueError(f"person_s has {len(self.person_s)} cells, not cols x rows = {self.cols * self.rows}")
        return self


class CameraStatus(EventData):
    camera_id: Identifier
    state: CameraState
    fps: Annotated[float, Field(ge=0, le=240)] = 0.0
    error: str | None = Field(None, max_length=500)


class Ticket(EventData):
    ticket_id: Identifier
    number: TicketNumber = Field(description='Number shown to the customer, e.g. "A023"')
    service: ServiceName
    priority: Priority = Priority.NORMAL
    status: TicketStatus
    window_id: Identifier | None = None
    channel: Channel
    form: dict[str, Any] | None = Field(
        None,
        description="The digital employee's prepared form (kind = intent, typed fields), masked: payee names keep "
        "one letter per word, account digits, ID and phone numbers are stars. Absent without a form",
    )


class Window(EventData):
    window_id: Identifier
    state: WindowState
    staff_id: Identifier | None = None
    skills: list[ServiceName] = Field(default_factory=list)


class ServiceQueue(Part):
    service: ServiceName
    waiting: NonNegative
    open_windows: NonNegative
    est_wait_min: Annotated[float, Field(ge=0)]
    est_wait_p90_min: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _p90_not_below_mean(self) -> ServiceQueue:
        if self.est_wait_p90_min < self.est_wait_min:
            raise ValueError("est_wait_p90_min is below est_wait_min")
        return self


class ArrivalForecast(Part):
    interval_start: AwareDatetime
    expected: Annotated[float, Field(ge=0)]
    p10: Annotated[float, Field(ge=0)]
    p90: Annotated[float, Field(ge=0)]
    service: ServiceName | None = Field(None, description="None: all services together")

    @model_validator(mode="after")
    def _ordered(self) -> ArrivalForecast:
        if not self.p10 <= self.expected <= self.p90:
            raise ValueError("arrival forecast must satisfy p10 <= expected <= p90")
        return self


class QueueForecast(EventData):
    per_service: list[ServiceQueue]
    arrivals: list[ArrivalForecast] = Field(default_factory=list)


class PlanInterval(Part):
    start: ClockTime
    required: dict[ServiceName, NonNegative]
    planned: dict[ServiceName, NonNegative]


class TimeSpan(Part):
    start: ClockTime
    end: ClockTime


class Assignment(Part):
    staff_id: Identifier
    start: ClockTime
    end: ClockTime
    breaks: list[TimeSpan] = Field(default_factory=list)
    skills: list[ServiceName] = Field(default_factory=list)


Share = Annotated[float, Field(ge=0, le=1)]


class PlanVerification(Part):
    """The roster simulated on the floor: who calls whom at mixed windows, lognormal service times."""

    worst_interval: Share = Field(description="lowest share served within target of an interval, all services")
    service_worst: dict[ServiceName, Share] = Field(description="per service, its lowest interval share")
    target_fraction: Share
    replications: Annotated[int, Field(ge=1)] = Field(description="simulated days the shares are pooled over")
    gap: Annotated[float, Field(ge=0)] | None = Field(
        None, description="CP-SAT's relative optimality gap of the roster; None: the greedy plan was kept"
    )
    repaired: bool = Field(description="the first roster missed somewhere and was re-solved with more windows")
    reproducible: bool = Field(description="no clock decided anything: the same seed gives this plan anywhere")


class StaffingPlan(EventData):
    date: dt.date
    version: Annotated[int, Field(ge=1)]
    intervals: list[PlanInterval]
    assignments: list[Assignment]
    solve_ms: NonNegative
    objective: float
    verification: PlanVerification | None = Field(
        None, description="mixed-skill days: the roster verified by simulation (additive, v1-compatible)"
    )


class LocalizedText(Part):
    zh: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    en: Annotated[str, StringConstraints(min_length=1, max_length=500)]


class StaffingAlert(EventData):
    alert_id: Identifier
    kind: AlertKind
    severity: Severity
    message: LocalizedText
    action: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    window_id: Identifier | None = None
    staff_id: Identifier | None = None
    reason: dict[str, float | int | str] = Field(default_factory=dict, description="metrics behind it")
    expires_at: AwareDatetime
    acknowledged_at: AwareDatetime | None = Field(
        None,
        description="set when a manager acknowledged it: the alert is published again with the same alert_id "
        "(additive, v1-compatible; consumers count the acknowledgement once per alert_id)",
    )
    expired: bool = Field(
        False,
        description="true when it expired unacknowledged: published again once with the same alert_id",
    )


class KycResult(EventData):
    """Outcome of a KYC session: never images, never full PII."""

    session_id: Identifier
    kiosk_id: Identifier
    doc_type: DocType
    decision: KycDecision
    checks: dict[str, bool | float | str] = Field(default_factory=dict)
    id_number_masked: MaskedIdNumber = Field("", description='e.g. "3201**********1234"; never unmasked')
    reasons: list[str] = Field(default_factory=list, description="why the decision was taken")


class Feedback(EventData):
    ticket_id: Identifier
    window_id: Identifier | None = None
    staff_id: Identifier | None = None
    service: ServiceName
    rating: Annotated[int, Field(ge=1, le=5)]
    tags: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = Field(default_factory=list)


class VoiceInteraction(EventData):
    session_id: Identifier
    kiosk_id: Identifier
    turn: NonNegative
    lang: Language
    intent: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
    confidence: Annotated[float, Field(ge=0, le=1)]
    slots: dict[str, str | int | float | bool | None] = Field(default_factory=dict, description="masked")
    outcome: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    asr_ms: Annotated[float, Field(ge=0)] | None = None
    nlu_ms: Annotated[float, Field(ge=0)] | None = None
    end: Literal["completed", "handed_off"] | None = Field(
        None, description="this turn ended the customer's task: completed without staff, or handed off to a person"
    )
    end_reason: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{1,39}$")] | None = Field(
        None,
        description="completed: self_service_done, appointment_booked, information_given; handed_off:"
        " counter_service, human_asked, not_understood, identity_failed, core_refused, core_unavailable",
    )

    @field_validator("slots")
    @classmethod
    def _no_unmasked_digits(cls, slots: dict[str, object]) -> dict[str, object]:
        for name in ("account_last4", "payee", "phone", "id_number", "account_number"):
            value = slots.get(name)
            if isinstance(value, str) and value and "*" not in value:
                raise ValueError(f"slot {name!r} must be masked in events")
        return slots


class ChangedBy(Part):
    """Who made a change: the credential's subject and role (an API key's subject is a digest, not the key)."""

    subject: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    role: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")]


class BranchConfigChanged(EventData):
    """A branch's whole configuration after an accepted change (compacted topic: the latest per branch stays).

    ``version`` grows by one per change; a consumer keeps the highest it has seen. Staff display names are
    masked (the full names stay in records, behind its API).
    """

    version: Annotated[int, Field(ge=1)]
    changed_by: ChangedBy
    config: BranchConfig


__all__ = [
    "ArrivalForecast",
    "Assignment",
    "BranchConfigChanged",
    "BranchId",
    "CameraStatus",
    "ChangedBy",
    "Feedback",
    "Footfall",
    "KycResult",
    "LocalizedText",
    "PlanInterval",
    "PlanVerification",
    "QueueForecast",
    "ServiceQueue",
    "StaffingAlert",
    "StaffingPlan",
    "Ticket",
    "TimeSpan",
    "VoiceInteraction",
    "Window",
]
