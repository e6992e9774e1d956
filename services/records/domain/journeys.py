"""A ticket's journey (issued -> called -> served, or left) and what each step adds to the rollups.

Everything about a ticket counts in its *cohort*: the service it was issued for and the local 15-minute interval
it was issued in. A ticket whose ``issued`` event records never saw (issued before records ran, or its events
came out of order) counts in the interval and service of the event at hand.

- ``issued``: an arrival.
- first ``called``: ``called``, and its wait (issued -> first call) into the waits, the minute buckets and the
  share within the service's target. Appointments are left out of the waits (they are issued before they are
  due). Calling again at the same window (a recall) changes nothing.
- ``serving``: handling starts (else it starts at the call).
- ``transferred``: counted; the ticket waits again in its new service (its cohort stays).
- ``completed``: served, with its handling time (start -> completion), also per window and, as a credit
  (domain/credits.py), per staff member: whoever staffed the window when the ticket was called there (by time,
  whatever order the topics are folded in), on the local day of the completion.
- ``no_show`` (also per window and staff), ``abandoned``, ``cancelled``: counted. A ticket ends once: a second
  end is ignored.

The fold owns the journeys it is given: :func:`step` updates one in place (a batch steps tens of thousands).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from branchops.contracts.enums import Channel, TicketStatus
from branchops.contracts.events import Ticket
from services.records.domain import waits
from services.records.domain.credits import Credit
from services.records.domain.rollups import SERVICE_INTERVAL, WAIT_BUCKETS, WINDOW_DAY, Rollups
from services.records.domain.rules import BranchRules

ISSUED, CALLED, SERVING, TRANSFERRED = (
    TicketStatus.ISSUED,
    TicketStatus.CALLED,
    TicketStatus.SERVING,
    TicketStatus.TRANSFERRED,
)
COMPLETED, NO_SHOW = TicketStatus.COMPLETED, TicketStatus.NO_SHOW
END_COUNTERS = {
    COMPLETED: "served",
    NO_SHOW: "no_show",
    TicketStatus.ABANDONED: "abandoned",
    TicketStatus.CANCELLED: "cancelled",
}
APPOINTMENT = Channel.APPOINTMENT
# The enums are StrEnums: a member is its value (equal, same hash, stored as its text), so the hot path below
# keeps the members rather than paying for ``.value`` on every event.


@dataclass(slots=True)
class Journey:
    branch_id: str
    ticket_id: str
    service: str
    channel: str
    status: str
    last_at: dt.datetime
    issued_at: dt.datetime | None = None
    first_called_at: dt.datetime | None = None
    called_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    window_id: str | None = None
    staff_id: str | None = None
    """No longer filled (work is credited by time, domain/credits.py); the column stays."""
    wait_counted: bool = False
    ended: bool = False


CreditWork = Callable[[Credit], None]
"""Takes the work done at a window, to be credited to whoever staffed it at the credit's time."""


def new_journey(ticket: Ticket) -> Journey:
    return Journey(ticket.branch_id, ticket.ticket_id, ticket.service, ticket.channel, ticket.status, ticket.at)


class _Step:
    """One event of one ticket: its cohort is worked out once, on first use."""

    __slots__ = ("attrs", "j", "key", "out", "rules", "ticket")

    def __init__(self, j: Journey, ticket: Ticket, rules: BranchRules, out: Rollups) -> None:
        self.j, self.ticket, self.rules, self.out = j, ticket, rules, out
        self.key: tuple[str, str, dt.datetime] | None = None
        self.attrs: tuple[dt.date, int] = (dt.date.min, 0)

    def cohort(self) -> tuple[str, str, dt.datetime]:
        if self.key is None:
            j = self.j
            service, at = (j.service, j.issued_at) if j.issued_at is not None else (self.ticket.service, self.ticket.at)
            start, day = self.rules.calendar.interval(at)
            self.key = (j.branch_id, service, start)
            self.attrs = (day, self.rules.target(service))
        return self.key

    def add(self, **counts: float) -> None:
        self.out.add(SERVICE_INTERVAL, self.cohort(), self.attrs, **counts)

    def count_wait(self) -> None:
        j = self.j
        if j.wait_counted or j.issued_at is None or j.first_called_at is None or j.channel == APPOINTMENT:
            return
        wait_s = max((j.first_called_at - j.issued_at).total_seconds(), 0.0)
        key = self.cohort()
        self.add(waits=1, wait_s_sum=wait_s, within_target=int(waits.within_target(wait_s, self.attrs[1])))
        self.out.add(WAIT_BUCKETS, (*key, waits.bucket(wait_s / 60)), tickets=1)
        j.wait_counted = True

    def per_worker(self, credit: CreditWork, **counts: float) -> None:
        j, ticket = self.j, self.ticket
        day = self.rules.calendar.day(ticket.at)
        window = ticket.window_id or j.window_id
        if window:
            self.out.add(WINDOW_DAY, (j.branch_id, day, window), **counts)
            called = j.called_at if j.called_at is not None and window == j.window_id else ticket.at
            credit(Credit.of(j.branch_id, window, called, f"ticket:{j.ticket_id}", day, counts))


def _end(s: _Step, credit: CreditWork) -> None:
    j, ticket = s.j, s.ticket
    s.add(**{END_COUNTERS[ticket.status]: 1})
    if ticket.status is COMPLETED:
        began = j.started_at or j.called_at
        if began is not None:
            handled = max((ticket.at - began).total_seconds(), 0.0)
            s.add(handled=1, handling_s_sum=handled)
            s.per_worker(credit, served=1, handled=1, handling_s_sum=handled)
        else:
            s.per_worker(credit, served=1)
    elif ticket.status is NO_SHOW:
        s.per_worker(credit, no_show=1)
    j.ended = True
    j.window_id = ticket.window_id or j.window_id


def step(journey: Journey | None, ticket: Ticket, rules: BranchRules, credit: CreditWork, out: Rollups) -> Journey:
    """The journey after ``ticket`` (one new event of it; ``journey`` None: the ticket is new), adding what it
    counts to ``out``. ``journey`` is updated in place and returned."""
    j = journey or new_journey(ticket)
    status = ticket.status
    if ticket.at > j.last_at:
        j.last_at = ticket.at
    s = _Step(j, ticket, rules, out)
    if status is ISSUED:
        if j.issued_at is None:
            j.issued_at, j.service, j.channel = ticket.at, ticket.service, ticket.channel
            s.add(arrivals=1)
            s.count_wait()
        return j  # an issue that comes late does not take the ticket back
    if j.ended:
        return j  # a ticket ends once; anything after that is noise
    if status is CALLED:
        if not (j.status == CALLED and j.window_id == ticket.window_id):  # else a recall
            first = j.first_called_at is None
            j.called_at, j.started_at, j.window_id = ticket.at, None, ticket.window_id
            if first:
                j.first_called_at = ticket.at
                s.add(called=1)
                s.count_wait()
    elif status is SERVING:
        j.started_at = j.started_at or ticket.at
    elif status is TRANSFERRED:
        s.add(transferred=1)
        j.called_at = j.started_at = j.window_id = j.staff_id = None
    elif status in END_COUNTERS:
        _end(s, credit)
    j.status = status
    return j
