"""Closed vocabularies shared by the event contracts (DESIGN.md section 3)."""

from __future__ import annotations

from enum import StrEnum


class ServiceName(StrEnum):
    """Counter services; staff skills use the same names."""

    CASH = "cash"
    GENERAL = "general"
    CORPORATE = "corporate"
    WEALTH = "wealth"
    FX = "fx"


class TicketStatus(StrEnum):
    ISSUED = "issued"
    CALLED = "called"
    SERVING = "serving"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    ABANDONED = "abandoned"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"


class Channel(StrEnum):
    KIOSK = "kiosk"
    MOBILE = "mobile"
    APPOINTMENT = "appointment"
    TELLER = "teller"
    VOICE = "voice"


class Priority(StrEnum):
    """Why a ticket jumps ahead; ``normal`` does not."""

    NORMAL = "normal"
    ELDERLY = "elderly"
    DISABLED = "disabled"
    VIP = "vip"
    URGENT = "urgent"


class WindowState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    BREAK = "break"


class CameraState(StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


class AlertKind(StrEnum):
    OPEN_WINDOW = "open_window"
    CLOSE_WINDOW = "close_window"
    DELAY_BREAK = "delay_break"
    RECALL_STAFF = "recall_staff"
    SLA_RISK = "sla_risk"
    CAMERA_DOWN = "camera_down"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"


class KycDecision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    REVIEW = "review"


class DocType(StrEnum):
    ID_CARD = "id_card"
    BUSINESS_LICENCE = "business_licence"


class Language(StrEnum):
    ZH = "zh"
    EN = "en"
