"""Where the customer notices go: a signed webhook of the bank's SMS or WeChat gateway, or only the log.

``WebhookNotices`` posts ``{"type": "branchops.queue.notice.v1", "delivery_id", "sent_at", "notice": {kind,
branch_id, number, window_id, ahead, wait_high_min, lang, text, contact}}`` signed as every BranchOps
webhook (branchops/webhook.py); the receiver sends the text to the number. ``LoggedNotices`` (no webhook
configured) writes what it would send, the number masked.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from branchops.webhook import SignedWebhook
from services.queue.domain.appointments import Appointment, mask_contact
from services.queue.domain.notices import AppointmentNoticeKind, TicketNotice, appointment_texts

log = logging.getLogger("branchops.queue.notices")
NOTICE_TYPE = "branchops.queue.notice.v1"


class WebhookNotices:
    def __init__(self, webhook: SignedWebhook) -> None:
        self.webhook = webhook

    async def send(self, notice: TicketNotice, phone: str) -> None:
        payload = {**asdict(notice), "kind": notice.kind.value, "text": notice.text(), "contact": phone}
        self.webhook.offer(payload, label=f"{notice.kind.value} notice of {notice.branch_id}/{notice.number}")


class LoggedNotices:
    def __init__(self) -> None:
        self.sent: list[tuple[TicketNotice, str]] = []  # (notice, masked number), newest last, bounded

    async def send(self, notice: TicketNotice, phone: str) -> None:
        masked = mask_contact(phone)
        if len(self.sent) >= 1000:
            del self.sent[:500]
        self.sent.append((notice, masked))
        log.info("notice %s to %s: %s", notice.kind.value, masked, notice.text())


class WebhookAppointmentNotices:
    """The appointments' ``AppointmentNotifier`` on the same webhook: booked, cancelled and the reminder, with
    the words in both languages (``text_zh``, ``text_en``)."""

    def __init__(self, webhook: SignedWebhook) -> None:
        self.webhook = webhook

    async def booked(self, appointment: Appointment, contact: str | None) -> None:
        self._send(AppointmentNoticeKind.BOOKED, appointment, contact)

    async def cancelled(self, appointment: Appointment, contact: str | None) -> None:
        self._send(AppointmentNoticeKind.CANCELLED, appointment, contact)

    async def reminder(self, appointment: Appointment, contact: str | None) -> None:
        self._send(AppointmentNoticeKind.REMINDER, appointment, contact)

    def _send(self, kind: AppointmentNoticeKind, appointment: Appointment, contact: str | None) -> None:
        if not contact:
            return
        texts = appointment_texts(kind, appointment.code, appointment.date.isoformat(), appointment.start)
        payload = {
            "kind": kind.value,
            "branch_id": appointment.branch_id,
            "appointment_id": appointment.appointment_id,
            "service": appointment.service.value,
            "date": appointment.date.isoformat(),
            "start": appointment.start,
            "code": appointment.code,
            "text_zh": texts["zh"],
            "text_en": texts["en"],
            "contact": contact,
        }
        self.webhook.offer(payload, label=f"{kind.value} of {appointment.branch_id}/{appointment.appointment_id}")
