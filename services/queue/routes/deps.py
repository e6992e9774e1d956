"""Dependencies of the queue routes: the use cases from ``app.state`` (filled by bootstrap.py) and path ids."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from branchops.contracts.base import Identifier
from services.queue.usecases.appointments import Appointments
from services.queue.usecases.notices import TicketNotices
from services.queue.usecases.overview import QueueOverview
from services.queue.usecases.phone_tickets import PhoneTickets
from services.queue.usecases.tickets import Tickets
from services.queue.usecases.windows import Windows

IdPath = Annotated[Identifier, Path()]


async def get_tickets(request: Request) -> Tickets:
    tickets: Tickets = request.app.state.tickets
    return tickets


async def get_windows(request: Request) -> Windows:
    windows: Windows = request.app.state.windows
    return windows


async def get_overview(request: Request) -> QueueOverview:
    overview: QueueOverview = request.app.state.overview
    return overview


async def get_phone_tickets(request: Request) -> PhoneTickets:
    phone: PhoneTickets = request.app.state.phone_tickets
    return phone


TicketsDep = Annotated[Tickets, Depends(get_tickets)]
WindowsDep = Annotated[Windows, Depends(get_windows)]
OverviewDep = Annotated[QueueOverview, Depends(get_overview)]
PhoneDep = Annotated[PhoneTickets, Depends(get_phone_tickets)]


async def get_appointments(request: Request) -> Appointments:
    """The use case bootstrap.py put on ``app.state`` (here until routes/deps.py takes it in)."""
    appointments: Appointments = request.app.state.appointments
    return appointments


AppointmentsDep = Annotated[Appointments, Depends(get_appointments)]


async def get_notices(request: Request) -> TicketNotices:
    notices: TicketNotices = request.app.state.notices
    return notices


NoticesDep = Annotated[TicketNotices, Depends(get_notices)]
