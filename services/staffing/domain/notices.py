"""What the service adds to the domain's alerts before they leave: severity, action, identity, camera_down."""

from __future__ import annotations

import hashlib

from .alerts import Alert

URGENT_WAIT_RATIO = 2.0  # a wait at twice the target or more is urgent
CAMERA_ALERT_MIN = 60


def severity(alert: Alert) -> str:
    if alert.kind == "sla_risk":
        return "urgent"
    if alert.kind in ("open_window", "recall_staff", "delay_break"):
        urgent = alert.target_wait_min > 0 and alert.predicted_wait_min >= URGENT_WAIT_RATIO * alert.target_wait_min
        return "urgent" if urgent and alert.kind != "delay_break" else "warning"
    return "info"


def action(alert: Alert) -> str:
    who = f" with {alert.staff_id}" if alert.staff_id else ""
    return {
        "open_window": f"open window {alert.window_id}{who} for {alert.service}",
        "close_window": f"close window {alert.window_id} ({alert.service})",
        "delay_break": f"delay the break of {alert.staff_id}",
        "recall_staff": f"recall {alert.staff_id} from break for {alert.service}",
        "sla_risk": f"find cover for {alert.service}",
    }.get(alert.kind, alert.kind)


def fingerprint(*parts: str | None) -> str:
    """Stable id of "the same alert" (kind, service, window, staff): a key part, not a secret."""
    text = "|".join(p or "-" for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def alert_fingerprint(alert: Alert) -> str:
    return fingerprint(alert.kind, alert.service, alert.window_id, alert.staff_id)


def camera_down_message(camera_id: str, error: str | None) -> dict[str, str]:
    detail_en = f" ({error[:200]})" if error else ""
    return {
        "en": f"Camera {camera_id} is down{detail_en}: queue counts and wait predictions may be off.",
        "zh": f"摄像头 {camera_id} 已离线：排队人数与等候时间预测可能不准确。",
    }
