"""The routing-aware wait projection (issue 23): who calls whom, expected arrivals, the fair race,
per-window rates; and the multi-service simulator days the bench scores it on."""

from __future__ import annotations

import datetime as dt
import random

from bench.wait_oracle import future_appointments
from bench.wait_prediction import scenarios
from branchops.contracts.enums import Channel, Priority, ServiceName, TicketStatus, WindowState
from branchops.contracts.events import Ticket
from services.queue.domain.arrivals import Arrival, recent_incoming
from services.queue.domain.model import Model
from services.queue.domain.predict import Incoming, Waiting, WindowView, project
from services.queue.domain.routing import RoutingRules
from simulation.branch_day import DaySpec, ServiceSpec, Snapshot, WindowPlan, simulate_day

G, C = ServiceName.GENERAL, ServiceName.CASH
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
RULES = RoutingRules()


def ago(minutes: float) -> dt.datetime:
    return NOW - dt.timedelta(minutes=minutes)


def model(general: float = 15.0, cash: float = 4.0, n: int = 60) -> Model:
    m = Model()
    rng = random.Random(3)
    for _ in range(n):  # exponential service times: the projection treats them as memoryless
        m = m.learn_service("general", None, rng.expovariate(1 / general))
        m = m.learn_service("cash", None, rng.expovariate(1 / cash))
    return m


def idle(window_id: str, *skills: ServiceName) -> WindowView:
    return WindowView(window_id, WindowState.OPEN, skills)


def busy(window_id: str, service: ServiceName, *skills: ServiceName, since: float = 0.5) -> WindowView:
    return WindowView(window_id, WindowState.OPEN, skills or (service,), service, ago(since))


def test_a_mixed_window_calls_its_first_service_before_an_older_customer_of_its_second() -> None:
    waiting = [Waiting("gen", G, ago(5)), Waiting("cash", C, ago(1))]
    out = project(waiting, [idle("m1", C, G)], model(), RULES, NOW)
    assert out["cash"].mean_min == 0.0
    assert out["gen"].mean_min > 1.0  # after the cash customer's service
    # the same window with the other priority order calls the general customer first
    out = project(waiting, [idle("m2", G, C)], model(), RULES, NOW)
    assert out["gen"].mean_min == 0.0 and out["cash"].mean_min > 1.0


def test_a_dedicated_window_never_serves_another_service() -> None:
    waiting = [Waiting("cash", C, ago(30)), Waiting("gen", G, ago(1))]
    out = project(waiting, [idle("g1", G)], model(), RULES, NOW)
    assert out["gen"].mean_min == 0.0
    assert not out["cash"].served  # nobody open serves cash: flagged, not projected onto g1
    assert out["gen"].served


def test_a_priority_customer_jumps_the_line() -> None:
    waiting = [Waiting("normal", G, ago(5)), Waiting("elderly", G, ago(0), Priority.ELDERLY)]
    out = project(waiting, [busy("g1", G)], model(), RULES, NOW)
    assert out["elderly"].mean_min < out["normal"].mean_min
    # past the head start (10 minutes for the elderly) the normal customer goes first
    waiting = [Waiting("normal", G, ago(12)), Waiting("elderly", G, ago(0), Priority.ELDERLY)]
    out = project(waiting, [busy("g1", G)], model(), RULES, NOW)
    assert out["normal"].mean_min < out["elderly"].mean_min


def test_expected_arrivals_of_a_mixed_windows_own_service_delay_the_other_line() -> None:
    windows = [busy("m1", C, C, G)]
    waiting = [Waiting("gen", G, ago(0))]
    alone = project(waiting, windows, model(), RULES, NOW, fair_race=True)["gen"].mean_min
    incoming = [Incoming(C, 0.5)]
    crowded = project(waiting, windows, model(), RULES, NOW, incoming=incoming, fair_race=True)["gen"].mean_min
    assert crowded > alone + 2.0  # cash customers arriving in the next 10 minutes go first at m1
    # at a window whose own service is general the cash arrivals wait behind the general customer
    windows = [busy("m2", C, G, C)]
    alone = project(waiting, windows, model(), RULES, NOW, fair_race=True)["gen"].mean_min
    crowded = project(waiting, windows, model(), RULES, NOW, incoming=incoming, fair_race=True)["gen"].mean_min
    assert abs(crowded - alone) < 1e-9


def test_expected_normal_arrivals_never_overtake_a_waiting_customer_of_their_line() -> None:
    windows = [busy("g1", G), busy("g2", G)]
    waiting = [Waiting("a", G, ago(3)), Waiting("b", G, ago(1))]
    alone = project(waiting, windows, model(), RULES, NOW, fair_race=True)
    crowded = project(waiting, windows, model(), RULES, NOW, incoming=[Incoming(G, 2.0)], fair_race=True)
    assert crowded["a"].mean_min == alone["a"].mean_min and crowded["b"].mean_min == alone["b"].mean_min
    # expected elderly arrivals do (their head start), by about their expected work
    elderly = project(
        waiting, windows, model(), RULES, NOW, incoming=[Incoming(G, 0.3, Priority.ELDERLY)], fair_race=True
    )
    assert elderly["b"].mean_min > alone["b"].mean_min


def test_the_fair_race_lets_slow_windows_complete_beside_a_busy_fast_one() -> None:
    """Three general windows (15 min, memoryless) and a cash window kept busy by cash arrivals: the
    first general completion is due in about 15/3 = 5 minutes, whatever the cash window does."""
    m = model()
    windows = [busy("g1", G), busy("g2", G), busy("g3", G), busy("c1", C)]
    waiting = [Waiting("gen", G, ago(0))]
    incoming = [Incoming(C, 0.4)]
    fair = project(waiting, windows, m, RULES, NOW, incoming=incoming, fair_race=True)["gen"].mean_min
    mean = m.service_dist("general").mean
    assert 0.6 * mean / 3 < fair < 1.4 * mean / 3, (fair, mean)
    unfair = project(waiting, windows, m, RULES, NOW, incoming=incoming)["gen"].mean_min
    assert unfair > fair  # the fast window wins every race and interruptions restart the race


def test_a_windows_own_rate_is_shrunk_toward_its_services_until_it_has_samples() -> None:
    m = Model()
    for _ in range(200):
        m = m.learn_service("general", "g1", 5.0)
    few = m
    for _ in range(3):
        few = few.learn_service("general", "slow", 20.0)
    pooled = few.service_dist("general").mean
    own_few = few.service_dist("general", "slow").mean
    assert pooled < own_few < 0.5 * (pooled + 20.0)  # three samples move it less than half-way
    many = few
    for _ in range(200):
        many = many.learn_service("general", "slow", 20.0)
    assert many.service_dist("general", "slow").mean > 15.0
    pooled = many.service_dist("general").mean  # mostly the slow window's recent samples now
    assert many.service_dist("general", "g1").mean < 0.5 * (5.0 + pooled)  # g1's own 200 samples hold it


def test_incoming_counts_the_last_hour_per_service_and_priority() -> None:
    issued = [
        Arrival(ago(90), G, Priority.NORMAL),  # older than the hour: dropped
        *(Arrival(ago(50 - k), G, Priority.NORMAL) for k in range(30)),
        *(Arrival(ago(40 - k), C, Priority.ELDERLY) for k in range(6)),
    ]
    rates = {(i.service, i.priority): i.per_min for i in recent_incoming(issued, NOW, ago(180))}
    assert rates == {(G, Priority.NORMAL): 30 / 60.0, (C, Priority.ELDERLY): 6 / 60.0}


# --- the simulator's multi-service days ------------------------------------------------------------


def day_of(name: str) -> DaySpec:
    scenario = scenarios()[name]
    opening = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    return DaySpec("b", opening.date(), opening, scenario.services, scenario.windows, **scenario.extra)


def test_a_simulated_day_is_the_same_for_a_seed_and_differs_across_seeds() -> None:
    spec = day_of("holdout_four")
    first = simulate_day(spec, seed=11)
    again = simulate_day(spec, seed=11)
    other = simulate_day(spec, seed=12)
    assert first == again
    assert [data for _, data in first[0]] != [data for _, data in other[0]]


def test_appointments_come_as_vip_tickets_and_some_never_come() -> None:
    base = day_of("appointments")
    booked = sum(base.appointments[G])
    spec = DaySpec(
        base.branch_id,
        base.day,
        base.open_at,
        {G: ServiceSpec((0.0,) * 32, 10.0)},
        (WindowPlan("g1", (G,), ((0.0, 480.0),)),),
        priority_share=0.0,
        appointments=base.appointments,
        appointment_no_show=0.25,
    )
    events, _ = simulate_day(spec, seed=5)
    issued = [d for _, d in events if isinstance(d, Ticket) and d.status is TicketStatus.ISSUED]
    assert issued and all(d.channel is Channel.APPOINTMENT and d.priority is Priority.VIP for d in issued)
    assert 0.6 * booked < len(issued) < 0.9 * booked


def test_a_slow_windows_pace_lengthens_its_services() -> None:
    def mean_service(pace: float) -> float:
        spec = DaySpec(
            "b",
            NOW.date(),
            NOW,
            {G: ServiceSpec((6.0,) * 32, 5.0)},
            (WindowPlan("g1", (G,), ((0.0, 480.0),), pace),),
            priority_share=0.0,
            no_show_share=0.0,
        )
        events, _ = simulate_day(spec, seed=2)
        called: dict[str, dt.datetime] = {}
        took = []
        for _, d in events:
            if isinstance(d, Ticket) and d.status is TicketStatus.CALLED:
                called[d.ticket_id] = d.at
            elif isinstance(d, Ticket) and d.status is TicketStatus.COMPLETED:
                took.append((d.at - called[d.ticket_id]).total_seconds() / 60)
        return sum(took) / len(took)

    assert mean_service(2.0) > 1.5 * mean_service(1.0)


def test_the_oracle_draws_the_appointments_still_to_come() -> None:
    spec = day_of("appointments")
    booked = sum(spec.appointments[G])
    before_opening = Snapshot(0.0, {}, {}, frozenset(), frozenset())
    drawn = [len(future_appointments(spec, before_opening, random.Random(k))) for k in range(200)]
    assert abs(sum(drawn) / len(drawn) - booked * (1 - spec.appointment_no_show)) < 1.0
    # every customer of a slot already here: nobody more comes for it
    slot = next(i for i, n in enumerate(spec.appointments[G]) if n)
    arrived = Snapshot(slot * 15.0, {}, {}, frozenset(), frozenset(), {(G, slot): spec.appointments[G][slot]})
    draws = future_appointments(spec, arrived, random.Random(1))
    assert draws
    assert all(t >= (slot + 1) * 15.0 - spec.appointment_early_min for t, _ in draws)  # the next slots' only
