"""Appointment reminders (issue 18 item 4): a booked appointment with a number is reminded once, when its slot
is at most ``before_min`` minutes away, through the appointments' notifier (the signed webhook).

Every ``interval_s`` the worker walks the branches the queue knows and their appointments of the local day;
the reminder is claimed in Redis first, so two replicas never both send it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from services.queue.adapters.appointment_store import AppointmentStore
from services.queue.domain.appointments import AppointmentStatus, CheckInRule
from services.queue.domain.notices import reminder_due
from services.queue.usecases.appointments import AppointmentNotifier
from services.queue.usecases.clock import Clock

log = logging.getLogger(__name__)


@dataclass
class AppointmentReminders:
    store: AppointmentStore
    notifier: AppointmentNotifier
    branches: Callable[[], Awaitable[list[str]]]
    clock: Clock
    before_min: float = 60.0
    interval_s: float = 30.0
    rule: CheckInRule = field(default_factory=CheckInRule)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def remind(self) -> int:
        """One round: the reminders sent."""
        now = self.clock()
        today = now.astimezone(self.store.tz).date()
        sent = 0
        for branch_id in await self.branches():
            for appointment in await self.store.of_day(branch_id, today):
                if not appointment.has_contact:
                    continue
                booked = appointment.status_at(now, self.rule) is AppointmentStatus.BOOKED
                minutes = (appointment.starts_at - now).total_seconds() / 60
                if not reminder_due(booked, minutes, self.before_min):
                    continue
                if not await self.store.claim_reminder(appointment, now):
                    continue
                await self.notifier.reminder(appointment, await self.store.contact(appointment))
                sent += 1
        return sent

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.remind()
            except Exception as exc:  # Redis away: the next round tries again
                log.warning("appointment reminders postponed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval_s)

    def stop(self) -> None:
        self._stop.set()
