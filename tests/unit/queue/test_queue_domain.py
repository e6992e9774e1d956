"""Pure domain of the queue service: state machine, routing, learning, projection, forecast, replay."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from branchops.contracts.enums import Channel, Priority, ServiceName, TicketStatus, WindowState
from branchops.contracts.events import Ticket, Window
from services.queue.domain.arrivals import SLOTS, forecast_day
from services.queue.domain.errors import Conflict, Invalid
from services.queue.domain.lifecycle import FINAL, RULES, WAITING, Action, InvalidTransition, transition
from services.queue.domain.model import Model, RobustLog
from services.queue.domain.predict import Waiting, WindowView, calibrate, project
from services.queue.domain.replay import Replayer
from services.queue.domain.routing import Head, RoutingRules, choose_next
from services.queue.domain.tickets import TicketRecord
from services.queue.domain.windows import WindowRecord, change_window

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)
CASH, FX, GENERAL = ServiceName.CASH, ServiceName.FX, ServiceName.GENERAL


@given(st.lists(st.sampled_from(list(Action)), max_size=12))
def test_state_machine_never_leaves_a_final_state(actions: list[Action]) -> None:
    status = TicketStatus.ISSUED
    for action in actions:
        try:
            new = transition(status, action)
        except InvalidTransition:
            continue
        assert status not in FINAL, "nothing follows a final status"
        assert new in RULES[action][1:] or new is RULES[action][1]
        status = new


def test_wrong_transitions_are_refused_with_a_reason() -> None:
    with pytest.raises(InvalidTransition, match="cannot complete a ticket that is issued"):
        transition(TicketStatus.ISSUED, Action.COMPLETE)
    with pytest.raises(InvalidTransition):
        transition(TicketStatus.COMPLETED, Action.TRANSFER)
    assert transition(TicketStatus.TRANSFERRED, Action.CALL) is TicketStatus.CALLED
    assert TicketStatus.TRANSFERRED in WAITING


def test_routing_priority_is_bounded_and_secondary_skills_are_protected() -> None:
    rules = RoutingRules()
    old_normal = Head(CASH, "n", rules.score(NOW - dt.timedelta(minutes=15), Priority.NORMAL))
    new_vip = Head(CASH, "v", rules.score(NOW, Priority.VIP))
    assert choose_next([new_vip, old_normal], (CASH,), rules) == old_normal, "waited longer than the head start"
    recent = Head(CASH, "r", rules.score(NOW - dt.timedelta(minutes=1), Priority.NORMAL))
    assert choose_next([recent, new_vip], (CASH,), rules) == new_vip
    fx_old = Head(FX, "f", rules.score(NOW - dt.timedelta(minutes=12), Priority.NORMAL))
    assert choose_next([recent, fx_old], (CASH, FX), rules) == fx_old, "a secondary line is not starved"
    assert choose_next([recent, fx_old], (FX,), rules) == fx_old
    assert choose_next([recent], (FX,), rules) is None, "no skill, no call"
    assert not rules.priority_allowed(Priority.VIP, Channel.KIOSK)


def test_window_changes() -> None:
    with pytest.raises(Invalid):
        change_window(None, "w1", WindowState.OPEN, (), None, NOW)
    busy = WindowRecord("w1", WindowState.OPEN, (CASH,), ticket_id="t1")
    with pytest.raises(Conflict):
        change_window(busy, "w1", WindowState.CLOSED, (CASH,), None, NOW)
    assert change_window(busy, "w1", WindowState.OPEN, (CASH,), None, NOW) is None, "no change, no event"


def test_service_time_learning_is_robust_to_outliers() -> None:
    dist = RobustLog()
    for i in range(200):
        dist = dist.update(4.0 + (i % 5) * 0.5)  # mean 5
    spoiled = dist.update(240.0)  # a "complete" forgotten for four hours
    assert abs(dist.mean - 5.0) < 0.3
    assert spoiled.mean - dist.mean < 0.5
    assert Model.from_json(Model().learn_service("cash", "w1", 5.0).to_json()).service_dist("cash", "w1").n == 2


def test_projection_matches_multi_server_queue() -> None:
    model = Model(service_time={"cash": RobustLog(mu=6.0, m2=72.0, n=100)})  # exponential, 6 min
    windows = [WindowView(f"w{i}", WindowState.OPEN, (CASH,), CASH, NOW - dt.timedelta(minutes=2)) for i in range(2)]
    waiting = [Waiting(f"t{i}", CASH, NOW - dt.timedelta(minutes=5 - i)) for i in range(5)]
    out = project(waiting, windows, model, RoutingRules(), NOW)
    for i in range(5):  # (k + 1) x 6 / 2, a little less for no-shows
        assert out[f"t{i}"].mean_min == pytest.approx((i + 1) * 3.0, rel=0.05)
    estimate = calibrate(out["t4"], model)
    assert estimate.low_min < estimate.mean_min < estimate.high_min
    idle = project(waiting[:1], [WindowView("w9", WindowState.OPEN, (CASH,))], model, RoutingRules(), NOW)
    assert idle["t0"].mean_min == 0.0
    nobody = project(waiting[:1], [WindowView("w9", WindowState.CLOSED, (CASH,))], model, RoutingRules(), NOW)
    assert not nobody["t0"].served


def test_arrival_forecast_profile_and_intraday_correction() -> None:
    monday = dt.date(2026, 11, 30)
    base = [0.0] * SLOTS
    for s in range(36, 68):
        base[s] = 10.0
    history = {monday - dt.timedelta(days=7 * k): list(base) for k in range(1, 5)}
    busy_today = [c * 2 for c in base[:44]] + [0.0] * (SLOTS - 44)
    normal = forecast_day(history, monday, base[:44] + [0.0] * (SLOTS - 44), 44)
    busy = forecast_day(history, monday, busy_today, 44)
    assert normal[0].slot == 44 and normal[-1].slot == 67
    assert busy[1].expected > 1.5 * normal[1].expected, "a busy morning raises the afternoon"
    assert all(f.p10 <= f.expected <= f.p90 for f in normal)
    lead = forecast_day(history, monday, base[:44] + [0.0] * (SLOTS - 44), 44, waiting_in_hall=30)
    assert lead[0].expected > normal[0].expected, "people without a ticket lead the next minutes"


def _ticket(
    n: int, status: TicketStatus, at: dt.datetime, window: str | None = None, service: ServiceName = CASH
) -> Ticket:
    return Ticket(
        branch_id="b1",
        at=at,
        ticket_id=f"t{n}",
        number=f"A{n:03d}",
        service=service,
        status=status,
        window_id=window,
        channel=Channel.KIOSK,
    )


def test_replay_predicts_at_issue_and_skips_bad_events() -> None:
    r = Replayer()
    assert r.feed("e1", Window(branch_id="b1", at=NOW, window_id="w1", state=WindowState.OPEN, skills=[CASH])) is None
    first = r.feed("e2", _ticket(1, TicketStatus.ISSUED, NOW))
    assert first is not None and first.predicted_wait_min == 0.0
    r.feed("e3", _ticket(1, TicketStatus.CALLED, NOW + dt.timedelta(seconds=5), "w1"))
    second = r.feed("e4", _ticket(2, TicketStatus.ISSUED, NOW + dt.timedelta(minutes=1)))
    assert second is not None and second.predicted_wait_min > 0 and second.p90_min >= second.predicted_wait_min
    assert set(second.as_json()) == {"ticket_id", "at", "predicted_wait_min", "p90_min"}
    bad = [
        ("e4", _ticket(3, TicketStatus.ISSUED, NOW + dt.timedelta(minutes=2))),  # duplicate id
        ("e5", _ticket(2, TicketStatus.COMPLETED, NOW + dt.timedelta(minutes=2))),  # issued -> completed
        ("e6", _ticket(9, TicketStatus.CALLED, NOW + dt.timedelta(minutes=2), "w1")),  # never issued
        ("e7", _ticket(4, TicketStatus.ISSUED, NOW - dt.timedelta(minutes=5))),  # out of order
        ("e8", _ticket(1, TicketStatus.TRANSFERRED, NOW + dt.timedelta(minutes=2), service=CASH)),  # same service
    ]
    for event_id, data in bad:
        assert r.feed(event_id, data) is None
    assert [e for e, _ in r.skipped] == ["e4", "e5", "e6", "e7", "e8"]
    assert r.branches["b1"].tickets["t2"].status is TicketStatus.ISSUED, "state intact"
    moved = r.feed("e9", _ticket(1, TicketStatus.TRANSFERRED, NOW + dt.timedelta(minutes=3), service=GENERAL))
    assert moved is None and r.branches["b1"].tickets["t1"].issued_at == NOW


def test_record_round_trip() -> None:
    record = TicketRecord(
        "t1",
        "b1",
        "A001",
        CASH,
        Channel.KIOSK,
        Priority.NORMAL,
        TicketStatus.ISSUED,
        NOW,
        pred_wait_min=3.5,
        transferred_from=FX,
    )
    assert TicketRecord.from_fields(record.to_fields()) == record
    assert math.isclose(record.sequence, 1)
