"""Where each topic's events are kept: one raw table per topic, partitioned by the UTC day of the event time.

A raw row is the event's envelope as received (JSONB) and the columns reports and rollup rebuilds filter on.
The event time is ``data.at`` (when it happened), which is also the partition key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from branchops.contracts import events as ev
from branchops.contracts import topics

COMMON_COLUMNS = ("event_id", "at", "branch_id", "envelope")


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[str, ...]
    """The topic's own columns, after :data:`COMMON_COLUMNS`."""
    values: Callable[[Any], tuple[Any, ...]]
    """The event data's values for ``columns``."""


def _ticket(d: ev.Ticket) -> tuple[Any, ...]:
    return d.ticket_id, d.service, d.status, d.window_id, d.channel, d.priority  # StrEnums: stored as their text


def _window(d: ev.Window) -> tuple[Any, ...]:
    return d.window_id, d.state.value, d.staff_id


def _footfall(d: ev.Footfall) -> tuple[Any, ...]:
    return d.camera_id, d.window_start, d.window_end, d.entered, d.exited


def _occupancy(d: ev.Occupancy) -> tuple[Any, ...]:
    return d.camera_id, d.hour_start, d.hour_end


def _camera(d: ev.CameraStatus) -> tuple[Any, ...]:
    return d.camera_id, d.state.value


def _plan(d: ev.StaffingPlan) -> tuple[Any, ...]:
    return d.date, d.version


def _alert(d: ev.StaffingAlert) -> tuple[Any, ...]:
    return d.alert_id, d.kind.value, d.severity.value


def _kyc(d: ev.KycResult) -> tuple[Any, ...]:
    return d.session_id, d.kiosk_id, d.doc_type.value, d.decision.value


def _feedback(d: ev.Feedback) -> tuple[Any, ...]:
    return d.ticket_id, d.window_id, d.staff_id, d.service.value, d.rating


def _voice(d: ev.VoiceInteraction) -> tuple[Any, ...]:
    return d.session_id, d.kiosk_id, d.turn, d.intent, d.outcome


def _config(d: ev.BranchConfigChanged) -> tuple[Any, ...]:
    return (d.version,)


def _nothing(_: Any) -> tuple[Any, ...]:
    return ()


RAW_TABLES: dict[str, RawTable] = {
    topics.TICKETS.name: RawTable(
        "events_tickets", ("ticket_id", "service", "status", "window_id", "channel", "priority"), _ticket
    ),
    topics.WINDOWS.name: RawTable("events_windows", ("window_id", "state", "staff_id"), _window),
    topics.FOOTFALL.name: RawTable(
        "events_footfall", ("camera_id", "window_start", "window_end", "entered", "exited"), _footfall
    ),
    topics.OCCUPANCY.name: RawTable("events_occupancy", ("camera_id", "hour_start", "hour_end"), _occupancy),
    topics.CAMERA_STATUS.name: RawTable("events_camera_status", ("camera_id", "state"), _camera),
    topics.QUEUE_FORECAST.name: RawTable("events_queue_forecast", (), _nothing),
    topics.STAFFING_PLAN.name: RawTable("events_staffing_plan", ("plan_date", "version"), _plan),
    topics.STAFFING_ALERTS.name: RawTable("events_staffing_alerts", ("alert_id", "kind", "severity"), _alert),
    topics.KYC_RESULTS.name: RawTable("events_kyc_results", ("session_id", "kiosk_id", "doc_type", "decision"), _kyc),
    topics.FEEDBACK.name: RawTable(
        "events_feedback", ("ticket_id", "window_id", "staff_id", "service", "rating"), _feedback
    ),
    topics.VOICE_INTERACTIONS.name: RawTable(
        "events_voice_interactions", ("session_id", "kiosk_id", "turn", "intent", "outcome"), _voice
    ),
    topics.BRANCH_CONFIG.name: RawTable("events_branch_config", ("version",), _config),
}
"""By topic name; every topic of the platform has one (a unit test checks)."""

RAW_TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in RAW_TABLES.values())
