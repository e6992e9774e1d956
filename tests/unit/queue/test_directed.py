"""Tickets directed to one window (domain/directed.py): the target checks and the wait estimate."""

from __future__ import annotations

import datetime as dt

import pytest

from branchops.contracts.enums import Channel, Priority, ServiceName, TicketStatus, WindowState
from services.queue.domain.directed import (
    OwnWindow,
    UnknownWindow,
    WindowNotOpen,
    check_target,
    current_remaining_min,
    directed_wait,
)
from services.queue.domain.errors import Conflict, Invalid, NotFound
from services.queue.domain.tickets import TicketRecord
from services.queue.domain.windows import WindowRecord

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
OPEN = WindowRecord("w2", WindowState.OPEN, (ServiceName.CASH,))


def test_an_open_other_window_is_a_valid_target() -> None:
    check_target(OPEN, "w2", "w1", "b1")
    check_target(OPEN, "w2", None, "b1")


@pytest.mark.parametrize(
    ("target", "to_window", "kind", "base", "reason"),
    [
        (None, "w9", UnknownWindow, NotFound, "unknown_window"),
        (WindowRecord("w2", WindowState.CLOSED, ()), "w2", WindowNotOpen, Conflict, "window_not_open"),
        (WindowRecord("w2", WindowState.BREAK, (ServiceName.CASH,)), "w2", WindowNotOpen, Conflict, "window_not_open"),
        (OPEN, "w1", OwnWindow, Invalid, "own_window"),
    ],
)
def test_bad_targets_are_refused_with_their_kind_and_reason(
    target: WindowRecord | None, to_window: str, kind: type[Exception], base: type[Exception], reason: str
) -> None:
    with pytest.raises(kind) as caught:
        check_target(target, to_window, "w1", "b1")
    assert isinstance(caught.value, base)
    assert isinstance(caught.value, (UnknownWindow, WindowNotOpen, OwnWindow))
    assert caught.value.reason == reason and to_window in str(caught.value)


def test_own_window_is_refused_before_its_state_is_looked_at() -> None:
    with pytest.raises(OwnWindow):
        check_target(WindowRecord("w1", WindowState.CLOSED, ()), "w1", "w1", "b1")


def test_the_current_customer_needs_the_rest_of_the_mean_and_at_least_half_a_minute() -> None:
    assert current_remaining_min(6.0, None, NOW) == 0.0, "a free window"
    assert current_remaining_min(6.0, NOW - dt.timedelta(minutes=2), NOW) == pytest.approx(4.0)
    assert current_remaining_min(6.0, NOW - dt.timedelta(minutes=20), NOW) == 0.5, "overdue: any moment now"
    assert current_remaining_min(6.0, NOW + dt.timedelta(minutes=1), NOW) == 6.0, "a clock skew is no credit"


def test_the_wait_adds_the_current_rest_and_each_ticket_ahead_with_a_range() -> None:
    first = directed_wait(0.0, [])
    assert (first.mean_min, first.low_min) == (0.0, 0.0) and first.high_min >= 1.0
    wait = directed_wait(4.0, [5.0, 6.0])
    assert wait.mean_min == pytest.approx(15.0)
    assert wait.low_min < wait.mean_min < wait.high_min
    assert directed_wait(4.0, [5.0, 6.0, 5.0]).mean_min > wait.mean_min, "one more ahead waits longer"


def test_the_directed_window_is_kept_with_the_record() -> None:
    record = TicketRecord(
        "t-1", "b1", "A001", ServiceName.CASH, Channel.KIOSK, Priority.NORMAL, TicketStatus.TRANSFERRED, NOW
    )
    directed = record.evolve(directed_window="w2")
    assert TicketRecord.from_fields(directed.to_fields()) == directed
    assert TicketRecord.from_fields(record.to_fields()).directed_window is None
    old = {k: v for k, v in record.to_fields().items() if k != "directed_window"}
    assert TicketRecord.from_fields(old) == record, "tickets stored before the field read as not directed"
