"""The default ``AppointmentNotifier``: writes a log line with the contact masked, sends nothing.

The signed-webhook adapter (and SMS or WeChat providers an operator adds) will take its place in
bootstrap.py; the use case calls the port the same way.
"""

from __future__ import annotations

import logging

from services.queue.domain.appointments import Appointment, mask_contact

log = logging.getLogger("branchops.queue.appointments")


class LoggingNotifier:
    """Logs that a booking or cancellation would be told to the customer; never the whole number."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str | None]] = []  # (what, appointment id, masked contact), newest last

    async def booked(self, appointment: Appointment, contact: str | None) -> None:
        self._note("booked", appointment, contact)

    async def cancelled(self, appointment: Appointment, contact: str | None) -> None:
        self._note("cancelled", appointment, contact)

    async def reminder(self, appointment: Appointment, contact: str | None) -> None:
        self._note("reminded", appointment, contact)

    def _note(self, what: str, appointment: Appointment, contact: str | None) -> None:
        masked = mask_contact(contact) if contact else None
        if len(self.sent) >= 1000:
            del self.sent[:500]
        self.sent.append((what, appointment.appointment_id, masked))
        log.info(
            "appointment %s %s: %s %s at %s, contact %s",
            appointment.appointment_id,
            what,
            appointment.service.value,
            appointment.date.isoformat(),
            appointment.start,
            masked or "none",
        )
