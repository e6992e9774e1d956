"""The branch floor folded from tickets.v1 (pure): the calling display's latest calls and each window's day.

``CallBoard`` keeps the newest calls (number -> window; a recall moves the call to the top again and counts
it; an undone or transferred call leaves the board). ``WindowDay`` counts what a window served today and
how long it took from the call to the end. ``display_lines`` joins the queue service's view into what the
hall may see: per service the people waiting, the expected wait and the next numbers, nothing personal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import AwareDatetime, TypeAdapter

from branchops.contracts.enums import TicketStatus
from branchops.contracts.events import Ticket

BOARD_SIZE = 8
NEXT_NUMBERS = 5
BACK_IN_LINE = frozenset({TicketStatus.ISSUED, TicketStatus.TRANSFERRED})
_TIME: TypeAdapter[dt.datetime] = TypeAdapter(AwareDatetime)


def json_time(value: dt.datetime) -> str:
    return cast(str, _TIME.dump_python(value, mode="json"))


@dataclass(frozen=True)
class Call:
    ticket_id: str
    number: str
    service: str
    window_id: str
    at: dt.datetime
    recalls: int = 0

    def view(self) -> dict[str, Any]:
        return {
            "ticket_id": self.ticket_id,
            "number": self.number,
            "service": self.service,
            "window_id": self.window_id,
            "at": json_time(self.at),
            "recalls": self.recalls,
        }


@dataclass
class CallBoard:
    size: int = BOARD_SIZE
    calls: list[Call] = field(default_factory=list)  # newest first

    def apply(self, event: Ticket) -> Call | None:
        """The call to announce for this event (a new call or a recall), None for any other change."""
        known = next((c for c in self.calls if c.ticket_id == event.ticket_id), None)
        if event.status is TicketStatus.CALLED and event.window_id:
            recalls = known.recalls + 1 if known is not None and known.window_id == event.window_id else 0
            call = Call(event.ticket_id, event.number, event.service.value, event.window_id, event.at, recalls)
            self.calls = [call, *(c for c in self.calls if c.ticket_id != event.ticket_id)][: self.size]
            return call
        if known is not None and event.status in BACK_IN_LINE:
            self.calls.remove(known)  # the call was undone, or the customer went to another line
        return None

    def view(self) -> list[dict[str, Any]]:
        return [c.view() for c in self.calls]


@dataclass
class WindowDay:
    """One window today: customers served (completed) and their handling time, call to completion."""

    served: int = 0
    handling_s: float = 0.0

    def view(self) -> dict[str, Any]:
        average = self.handling_s / self.served / 60 if self.served else None
        return {"served": self.served, "avg_handling_min": round(average, 1) if average is not None else None}


@dataclass
class WindowDays:
    windows: dict[str, WindowDay] = field(default_factory=dict)
    called_at: dict[str, tuple[str, dt.datetime]] = field(default_factory=dict)  # ticket -> (window, first call)

    def clear(self) -> None:
        self.windows.clear()
        self.called_at.clear()

    def apply(self, event: Ticket) -> None:
        if event.status is TicketStatus.CALLED and event.window_id:
            known = self.called_at.get(event.ticket_id)
            if known is None or known[0] != event.window_id:
                self.called_at[event.ticket_id] = (event.window_id, event.at)
        elif event.status is TicketStatus.COMPLETED:
            called = self.called_at.pop(event.ticket_id, None)
            if called is not None:
                day = self.windows.setdefault(called[0], WindowDay())
                day.served += 1
                day.handling_s += max((event.at - called[1]).total_seconds(), 0.0)
        elif event.status is not TicketStatus.SERVING:
            self.called_at.pop(event.ticket_id, None)  # no-show, transfer, undo: nothing served here

    def of(self, window_id: str) -> dict[str, Any]:
        return self.windows.get(window_id, WindowDay()).view()


def _number_order(number: str) -> tuple[str, int]:
    return number[:1], int(number[1:]) if number[1:].isdigit() else 0


def display_lines(queue: dict[str, Any] | None, services: list[str] | None = None) -> list[dict[str, Any]]:
    """Per service (the queue's order, or ``services``): waiting, expected wait (mean and p90 minutes) and the
    next numbers in line, from the queue service's ``GET /queue`` answer. Numbers only: no ids, no names."""
    if not queue:
        return []
    per_service = {s.get("service"): s for s in queue.get("services") or [] if isinstance(s, dict)}
    waiting: dict[str, list[tuple[int, str]]] = {}
    for ticket in queue.get("waiting") or []:
        if isinstance(ticket, dict) and ticket.get("status") in ("issued", "transferred"):
            place = ticket.get("position") or 10_000
            waiting.setdefault(str(ticket.get("service")), []).append((int(place), str(ticket.get("number"))))
    names = services if services is not None else [str(s) for s in per_service if s]
    lines = []
    for name in names:
        line = per_service.get(name, {})
        queued = sorted(waiting.get(name, []), key=lambda p: (p[0], _number_order(p[1])))
        lines.append(
            {
                "service": name,
                "waiting": int(line.get("waiting", len(queued))),
                "open_windows": int(line.get("open_windows", 0)),
                "est_wait_min": line.get("est_wait_min"),
                "est_wait_p90_min": line.get("est_wait_p90_min"),
                "next": [number for _, number in queued[:NEXT_NUMBERS]],
            }
        )
    return lines
