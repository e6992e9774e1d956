"""What the customer is told on their phone when they left a number (issue 18 item 3): "your turn is near"
once, then "please come to window 3" once. Pure: which notice is due, and its words in zh and en.

The rule for "near" is the phone page's (``NearRule``), so the message goes when the page says it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from branchops.contracts.enums import TicketStatus
from services.queue.domain.lifecycle import FINAL, WAITING
from services.queue.domain.nearness import NearRule


class NoticeKind(StrEnum):
    NEAR = "near"
    CALLED = "called"


@dataclass(frozen=True)
class TicketNotice:
    kind: NoticeKind
    branch_id: str
    number: str
    window_id: str | None
    ahead: int | None  # people before the customer (near)
    wait_high_min: float | None
    lang: str  # zh or en

    def text(self) -> str:
        if self.kind is NoticeKind.CALLED:
            window = self.window_id or "?"
            if self.lang == "en":
                return f"Ticket {self.number}: please come to window {window} now."
            return f"{self.number} 号，请到 {window} 号窗口办理。"
        if self.lang == "en":
            wait = f", about {round(self.wait_high_min)} min" if self.wait_high_min is not None else ""
            return f"Ticket {self.number}: your turn is near ({self.ahead} ahead{wait}). Please come back to the hall."
        wait = f"，约 {round(self.wait_high_min)} 分钟" if self.wait_high_min is not None else ""
        return f"{self.number} 号：快轮到您了（前面还有 {self.ahead} 位{wait}），请回到大厅等候。"


def due(
    sent: frozenset[NoticeKind], status: TicketStatus, position: int | None, wait_high: float | None, rule: NearRule
) -> NoticeKind | None:
    """The notice to send now, if any: called once when called; near once while waiting and near (never after
    the call: a customer called at once hears only that)."""
    if status is TicketStatus.CALLED:
        return None if NoticeKind.CALLED in sent else NoticeKind.CALLED
    if status in WAITING and not sent and rule.near(position, wait_high):
        return NoticeKind.NEAR
    return None


def finished(status: TicketStatus, sent: frozenset[NoticeKind]) -> bool:
    """Nothing more will be told: the ticket ended, or it was called and told so."""
    return status in FINAL or NoticeKind.CALLED in sent


class AppointmentNoticeKind(StrEnum):
    BOOKED = "appointment_booked"
    CANCELLED = "appointment_cancelled"
    REMINDER = "appointment_reminder"


def appointment_texts(kind: AppointmentNoticeKind, code: str, date: str, start: str) -> dict[str, str]:
    """The words for an appointment, in both languages (the booking keeps no language): code, day and time."""
    if kind is AppointmentNoticeKind.BOOKED:
        return {
            "zh": f"预约成功：{date} {start}，确认码 {code}。到网点后在取号机输入确认码签到。",
            "en": f"Booked for {date} {start}, code {code}. Check in at the kiosk with the code when you arrive.",
        }
    if kind is AppointmentNoticeKind.CANCELLED:
        return {
            "zh": f"您 {date} {start} 的预约（{code}）已取消。",
            "en": f"Your appointment {code} on {date} {start} is cancelled.",
        }
    return {
        "zh": f"提醒：您今天 {start} 有预约（确认码 {code}），请提前到网点签到。",
        "en": f"Reminder: your appointment today at {start} (code {code}). Please check in at the kiosk early.",
    }


def reminder_due(booked: bool, minutes_to_start: float, before_min: float) -> bool:
    """A booked appointment is reminded once when its slot is at most ``before_min`` minutes away (not after
    it began)."""
    return booked and 0 < minutes_to_start <= before_min
