"""The usual window schedule (learned from past windows.v1) and the projection that uses it."""

from __future__ import annotations

import datetime as dt

import pytest

from branchops.contracts.enums import ServiceName, WindowState
from branchops.contracts.events import Ticket, Window
from services.queue.domain.model import Model, RobustLog
from services.queue.domain.predict import Waiting, WindowView, expected_changes, project
from services.queue.domain.replay import Replayer
from services.queue.domain.routing import RoutingRules
from services.queue.domain.schedule import Change, Mark, day_shares, learn_pattern, mark_from_json, mark_json, upcoming

CASH = ServiceName.CASH
DAY = dt.date(2026, 12, 1)  # a Tuesday
NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
EXP6 = Model(service_time={"cash": RobustLog(mu=6.0, m2=72.0, n=100)})  # exponential, 6 minutes


def _day(open_at: float, close_at: float) -> list[Mark]:
    return [Mark("w1", 9 * 60, True, (CASH,)), Mark("w2", open_at, True, (CASH,)), Mark("w2", close_at, False, (CASH,))]


def test_shares_and_pattern_from_past_days() -> None:
    shares = day_shares(_day(10 * 60 + 5, 12 * 60))["w2"]
    assert shares[39] == 0.0 and shares[40] == pytest.approx(2 / 3) and shares[41] == 1.0 and shares[48] == 0.0
    history = {DAY - dt.timedelta(days=k): _day(10 * 60 + 5, 12 * 60) for k in range(1, 4)}
    history[DAY] = _day(9 * 60, 9 * 60 + 10)  # today is never part of the pattern
    pattern = learn_pattern(history, DAY)
    assert pattern.days == 3 and pattern.skills["w2"] == (CASH,)
    changes = upcoming(pattern, {"w1": True}, 9 * 60 + 30)
    assert [(c.window_id, c.opens) for c in changes] == [("w2", True), ("w2", False)]
    assert changes[0].at_min == pytest.approx(35.0) and changes[1].at_min == pytest.approx(150.0)
    assert upcoming(pattern, {"w1": True, "w2": True}, 9 * 60 + 30)[0].opens is False  # already open: only the close
    assert upcoming(learn_pattern({}, DAY), {}, 600) == []
    mark = _day(600, 700)[1]
    assert mark_from_json(mark_json(mark)) == mark


def test_projection_uses_windows_that_will_open_or_close() -> None:
    waiting = [Waiting(f"t{i}", CASH, NOW - dt.timedelta(minutes=5 - i)) for i in range(6)]
    busy = [WindowView("w1", WindowState.OPEN, (CASH,), CASH, NOW - dt.timedelta(minutes=1))]
    alone = project(waiting, busy, EXP6, RoutingRules(), NOW)
    helped = project(waiting, busy, EXP6, RoutingRules(), NOW, [Change(3.0, "w2", True, (CASH,))])
    assert alone["t5"].mean_min == pytest.approx(6 * 5.8, rel=0.05)
    assert helped["t0"].mean_min == pytest.approx(3.0)  # the new window calls the head at once
    assert helped["t5"].mean_min < 0.6 * alone["t5"].mean_min
    two = [*busy, WindowView("w2", WindowState.OPEN, (CASH,), CASH, NOW - dt.timedelta(minutes=1))]
    closing = project(waiting, two, EXP6, RoutingRules(), NOW, [Change(4.0, "w2", False, (CASH,))])
    staying = project(waiting, two, EXP6, RoutingRules(), NOW)
    assert closing["t5"].mean_min > staying["t5"].mean_min + 5
    nobody = project(waiting[:1], [], EXP6, RoutingRules(), NOW, [Change(20.0, "w2", True, (CASH,))])
    assert nobody["t0"].served and nobody["t0"].mean_min == pytest.approx(20.0)


def _window(at: dt.datetime, window: str, state: WindowState) -> Window:
    return Window(branch_id="b1", at=at, window_id=window, state=state, skills=[CASH])


def _issue(at: dt.datetime, n: int) -> Ticket:
    return Ticket(
        branch_id="b1",
        at=at,
        ticket_id=f"t{at:%d}-{n}",
        number=f"A{n:03d}",
        service=CASH,
        status="issued",
        channel="kiosk",
    )


def test_replay_learns_the_schedule_across_days() -> None:
    def day_of(replayer: Replayer, day: dt.datetime, with_w2: bool) -> float:
        replayer.feed(f"o1{day:%d}", _window(day.replace(hour=9), "w1", WindowState.OPEN))
        last = None
        for n in range(8):  # a line builds at 09:50 before anyone is called
            last = replayer.feed(f"i{day:%d}{n}", _issue(day.replace(hour=9, minute=50), n))
        if with_w2:
            replayer.feed(f"o2{day:%d}", _window(day.replace(hour=10), "w2", WindowState.OPEN))
            replayer.feed(f"c2{day:%d}", _window(day.replace(hour=12), "w2", WindowState.CLOSED))
        assert last is not None
        return last.predicted_wait_min

    learned, naive = Replayer(), Replayer()
    days = [dt.datetime(2026, 12, d, tzinfo=dt.UTC) for d in (1, 2)]
    day_of(learned, days[0], True)
    day_of(naive, days[0], False)
    state = learned.branches["b1"]
    assert day_of(learned, days[1], True) < 0.8 * day_of(naive, days[1], False)
    closed = [w for w in state.windows.values() if w.window_id != "w2"]
    expected = expected_changes(state.pattern, closed, days[1].replace(hour=9, minute=50))
    assert expected and expected[0].window_id == "w2" and expected[0].at_min == pytest.approx(10.0)
