"""The expected-arrivals rule of the wait projection (arrivals.recent_incoming): one rule for the live
service and the replay (issue 23). Times are relative to a fixed instant; nothing reads the clock."""

from __future__ import annotations

import datetime as dt
import random

from branchops.contracts.enums import Channel, Priority, ServiceName, TicketStatus, WindowState
from branchops.contracts.events import Ticket, Window
from services.queue.domain.arrivals import (
    LOOKBACK_MIN,
    MIN_SPAN_MIN,
    Arrival,
    arrival_span,
    incoming_from_counts,
    recent_incoming,
)
from services.queue.domain.model import Model
from services.queue.domain.predict import Incoming, Waiting, WindowView, project
from services.queue.domain.replay import Replayer
from services.queue.domain.routing import RoutingRules

G, C = ServiceName.GENERAL, ServiceName.CASH
NOW = dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC)
RULES = RoutingRules()


def ago(minutes: float) -> dt.datetime:
    return NOW - dt.timedelta(minutes=minutes)


def rates(incoming: list[Incoming]) -> dict[tuple[ServiceName, Priority], float]:
    return {(i.service, i.priority): i.per_min for i in incoming}


def steady(
    service: ServiceName, every_min: float, over_min: float, priority: Priority = Priority.NORMAL
) -> list[Arrival]:
    n = int(over_min / every_min)
    return [Arrival(ago(over_min - k * every_min), service, priority) for k in range(n)]


def test_rates_are_the_last_hours_arrivals_per_service_and_priority() -> None:
    arrivals = [
        *steady(G, 2.0, 120.0),  # 60 over two hours: 30 in the last one
        *steady(C, 10.0, 60.0, Priority.ELDERLY),  # 6 elderly cash customers
        Arrival(NOW + dt.timedelta(minutes=1), C, Priority.NORMAL),  # not yet (a clock ahead): not counted
    ]
    got = rates(recent_incoming(arrivals, NOW, ago(300)))
    assert got == {(G, Priority.NORMAL): 30 / LOOKBACK_MIN, (C, Priority.ELDERLY): 6 / LOOKBACK_MIN}
    # services in enum order, then priorities: the projection's expected customers come in a fixed order
    assert [i.service for i in recent_incoming(arrivals, NOW, ago(300))] == sorted([C, G], key=list(ServiceName).index)


def test_no_history_expects_nobody() -> None:
    assert recent_incoming([], NOW) == []
    assert recent_incoming([], NOW, ago(5)) == []
    assert recent_incoming(steady(G, 1.0, 30.0), NOW - dt.timedelta(hours=3)) == []  # all of them later
    waiting = [Waiting("a", G, ago(2)), Waiting("b", G, ago(1))]
    windows = [WindowView("g1", WindowState.OPEN, (G,), G, ago(1))]
    model = Model()
    plain = project(waiting, windows, model, RULES, NOW, fair_race=True)
    assert project(waiting, windows, model, RULES, NOW, incoming=recent_incoming([], NOW), fair_race=True) == plain


def test_a_day_that_just_began_counts_over_its_own_span_and_at_least_the_minimum() -> None:
    thirty = steady(G, 3.0, 30.0)  # 10 customers since the day's first, half an hour ago
    assert rates(recent_incoming(thirty, NOW, ago(30))) == {(G, Priority.NORMAL): 10 / 30.0}
    four = steady(G, 1.0, 4.0)  # the first 4 minutes of the day: not a rush of one a minute
    assert rates(recent_incoming(four, NOW, ago(4))) == {(G, Priority.NORMAL): 4 / MIN_SPAN_MIN}
    # without the day's start the whole hour is the span
    assert rates(recent_incoming(thirty, NOW)) == {(G, Priority.NORMAL): 10 / LOOKBACK_MIN}
    # arrivals before the day's start (yesterday's late customers) do not count
    late = [Arrival(ago(50), G, Priority.NORMAL), *thirty]
    assert rates(recent_incoming(late, NOW, ago(30))) == {(G, Priority.NORMAL): 10 / 30.0}


def test_a_burst_counts_over_the_hour_and_is_forgotten_after_it() -> None:
    burst = [Arrival(ago(2 - k * 0.1), C, Priority.NORMAL) for k in range(20)]  # 20 cash customers in 2 minutes
    assert rates(recent_incoming(burst, NOW, ago(240))) == {(C, Priority.NORMAL): 20 / LOOKBACK_MIN}
    later = NOW + dt.timedelta(minutes=LOOKBACK_MIN)
    assert recent_incoming(burst, later, ago(240)) == []
    # while it counts, a burst of a mixed window's own service lengthens the other line's wait
    windows = [WindowView("m1", WindowState.OPEN, (C, G), C, ago(0.5))]
    waiting = [Waiting("gen", G, ago(0))]
    model = Model()
    rng = random.Random(4)
    for _ in range(60):
        model = model.learn_service("cash", None, rng.expovariate(1 / 4.0))
        model = model.learn_service("general", None, rng.expovariate(1 / 10.0))
    quiet = project(waiting, windows, model, RULES, NOW, fair_race=True)["gen"].mean_min
    incoming = recent_incoming(burst, NOW, ago(240))
    after_burst = project(waiting, windows, model, RULES, NOW, incoming=incoming, fair_race=True)["gen"].mean_min
    assert after_burst > quiet + 1.0


def test_counts_over_the_span_give_the_same_rates_as_the_arrivals() -> None:
    """The live service counts the span in Redis and asks ``incoming_from_counts``; the replay asks
    ``recent_incoming`` with the arrivals: the same answer for any history."""
    rng = random.Random(11)
    for _ in range(50):
        first = ago(rng.uniform(0, 200))
        arrivals = [
            Arrival(first + dt.timedelta(minutes=rng.uniform(0, 200)), rng.choice([G, C]), rng.choice(list(Priority)))
            for _ in range(rng.randrange(0, 60))
        ]
        start, span = arrival_span(NOW, first)
        counts: dict[tuple[ServiceName, Priority], int] = {}
        for a in arrivals:
            if start <= a.at <= NOW:
                counts[(a.service, a.priority)] = counts.get((a.service, a.priority), 0) + 1
        assert incoming_from_counts(counts, span) == recent_incoming(arrivals, NOW, first)
    assert arrival_span(NOW, ago(200)) == (ago(LOOKBACK_MIN), LOOKBACK_MIN)
    assert arrival_span(NOW, ago(5)) == (ago(5), MIN_SPAN_MIN)


def _ticket(
    n: int, status: TicketStatus, at: dt.datetime, service: ServiceName = G, window: str | None = None
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


def test_the_replay_asks_the_same_rule_as_the_live_service() -> None:
    """The replay's prediction of a newcomer is the projection with ``recent_incoming`` of the tickets
    it saw (the day's first ticket as the start), and differs from the replay without expected arrivals."""
    start = ago(90)
    on, off = Replayer(), Replayer(expected_arrivals=False)
    events: list[tuple[str, Window | Ticket]] = [
        ("w", Window(branch_id="b1", at=start, window_id="m1", state=WindowState.OPEN, skills=[C, G]))
    ]
    for k in range(30):  # a cash customer every 3 minutes, served in 2 at m1 (cash first, then general)
        at = start + dt.timedelta(minutes=3 * k + 1)
        events += [
            (f"i{k}", _ticket(k, TicketStatus.ISSUED, at, C)),
            (f"c{k}", _ticket(k, TicketStatus.CALLED, at, C, "m1")),
            (f"d{k}", _ticket(k, TicketStatus.COMPLETED, at + dt.timedelta(minutes=2), C)),
        ]
    last = NOW  # a cash customer just called to m1: busy for about 2 minutes more
    events += [
        ("i-last", _ticket(30, TicketStatus.ISSUED, last, C)),
        ("c-last", _ticket(30, TicketStatus.CALLED, last, C, "m1")),
    ]
    for event_id, data in events:
        on.feed(event_id, data)
        off.feed(event_id, data)
    assert not on.skipped and not off.skipped
    state = on.branches["b1"]
    assert state.first_arrival == start + dt.timedelta(minutes=1)
    expected = recent_incoming(state.issued, NOW, state.first_arrival)
    assert rates(expected) == {(C, Priority.NORMAL): 21 / LOOKBACK_MIN}  # the last hour's 20 of the 30, and the last
    newcomer = _ticket(99, TicketStatus.ISSUED, NOW, G)
    with_rule = on.feed("new", newcomer)
    without = off.feed("new", newcomer)
    assert with_rule is not None and without is not None
    assert with_rule.predicted_wait_min > without.predicted_wait_min  # cash arrivals go first at m1
