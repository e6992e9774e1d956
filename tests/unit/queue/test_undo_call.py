"""The undo rule of a mistaken call (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from branchops.contracts.enums import Channel, Priority, ServiceName, TicketStatus, WindowState
from services.queue.domain.errors import Conflict
from services.queue.domain.tickets import TicketRecord
from services.queue.domain.undo import UNDO_CALL_WITHIN, undo_call
from services.queue.domain.windows import WindowRecord

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
CALLED = TicketRecord(
    "t1",
    "b1",
    "A012",
    ServiceName.CASH,
    Channel.KIOSK,
    Priority.NORMAL,
    TicketStatus.CALLED,
    NOW - dt.timedelta(minutes=7),
    window_id="w3",
    called_at=NOW,
)
WINDOW = WindowRecord("w3", WindowState.OPEN, (ServiceName.CASH,), None, "t1", ServiceName.CASH, NOW, NOW)


def test_a_fresh_call_goes_back_to_waiting() -> None:
    back = undo_call(CALLED, WINDOW, "w3", NOW + dt.timedelta(seconds=3))
    assert (back.status, back.window_id, back.called_at) == (TicketStatus.ISSUED, None, None)
    assert back.issued_at == CALLED.issued_at and back.number == "A012", "same number, same place in time"
    transferred = CALLED.evolve(transferred_from=ServiceName.FX)
    assert undo_call(transferred, WINDOW, "w3", NOW).status is TicketStatus.TRANSFERRED


@pytest.mark.parametrize(
    ("ticket", "window", "window_id", "at", "reason"),
    [
        (CALLED, WINDOW, "w3", NOW + UNDO_CALL_WITHIN + dt.timedelta(seconds=1), "too long ago"),
        (CALLED, WINDOW, "w4", NOW, "not at window w4"),
        (CALLED, None, "w3", NOW, "not at window w3"),
        (CALLED, WindowRecord("w3", WindowState.OPEN, (ServiceName.CASH,)), "w3", NOW, "not at window w3"),
        (CALLED.evolve(status=TicketStatus.SERVING), WINDOW, "w3", NOW, "only a call can be undone"),
        (CALLED.evolve(status=TicketStatus.COMPLETED), WINDOW, "w3", NOW, "only a call can be undone"),
        (CALLED.evolve(recalls=1), WINDOW, "w3", NOW, "recalled already"),
        (CALLED, WINDOW, "w3", NOW - dt.timedelta(seconds=1), "too long ago"),
    ],
)
def test_refusals_say_why(
    ticket: TicketRecord, window: WindowRecord | None, window_id: str, at: dt.datetime, reason: str
) -> None:
    with pytest.raises(Conflict, match=reason):
        undo_call(ticket, window, window_id, at)


def test_the_limit_follows_the_clock_rate() -> None:
    """Under a simulated clock 20x as fast, 5 s of wall time are 100 s of clock time."""
    at = NOW + dt.timedelta(seconds=90)
    assert undo_call(CALLED, WINDOW, "w3", at, UNDO_CALL_WITHIN * 20).status is TicketStatus.ISSUED
