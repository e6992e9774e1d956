"""One projection with a probe per service answers as separate projections would (the forecast's
expected wait of a new arrival per service comes from one pass)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from branchops.contracts.enums import Priority, ServiceName, WindowState
from services.queue.domain.model import Model
from services.queue.domain.predict import Waiting, WindowView, project
from services.queue.domain.routing import RoutingRules
from services.queue.domain.schedule import Change

NOW = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC)
SERVICES = [ServiceName.CASH, ServiceName.GENERAL, ServiceName.CORPORATE]


def branch(rng: random.Random) -> tuple[list[Waiting], list[WindowView], list[Change]]:
    waiting = [
        Waiting(
            f"t{i}",
            rng.choice(SERVICES),
            NOW - dt.timedelta(seconds=rng.uniform(-300, 900)),
            rng.choice([Priority.NORMAL] * 4 + [Priority.ELDERLY]),
        )
        for i in range(rng.randint(0, 30))
    ]
    windows = []
    for k in range(rng.randint(0, 4)):
        skills = tuple(rng.sample(SERVICES, rng.randint(1, 3)))
        busy = rng.random() < 0.7
        windows.append(
            WindowView(
                f"w{k}",
                rng.choice([WindowState.OPEN] * 3 + [WindowState.CLOSED]),
                skills,
                skills[0] if busy else None,
                NOW - dt.timedelta(minutes=rng.uniform(0, 10)) if busy else None,
            )
        )
    changes = [
        Change(rng.uniform(0, 60), f"w{rng.randint(0, 5)}", rng.random() < 0.5, (rng.choice(SERVICES),))
        for _ in range(rng.randint(0, 3))
    ]
    return waiting, windows, changes


@pytest.mark.parametrize("seed", range(8))
def test_probes_match_separate_projections(seed: int) -> None:
    rng = random.Random(seed)
    model = Model().learn_service("cash", "w0", 3.0).learn_service("general", None, 8.0)
    rules = RoutingRules()
    for _ in range(40):
        waiting, windows, changes = branch(rng)
        probes = [Waiting(f"probe:{s.value}", s, NOW) for s in SERVICES]
        together = project(waiting, windows, model, rules, NOW, changes, probes)
        alone = project(waiting, windows, model, rules, NOW, changes)
        assert {t: together[t] for t in alone} == alone, "a probe changed a real ticket's projection"
        for probe in probes:
            separate = project([*waiting, probe], windows, model, rules, NOW, changes)[probe.ticket_id]
            assert together[probe.ticket_id] == separate


def test_a_probe_in_a_line_nobody_serves_counts_only_real_customers_ahead() -> None:
    model = Model()
    waiting = [Waiting("t0", ServiceName.FX, NOW - dt.timedelta(minutes=5))]
    probes = [Waiting("probe:fx", ServiceName.FX, NOW), Waiting("probe:fx-2", ServiceName.FX, NOW)]
    out = project(waiting, [], model, RoutingRules(), NOW, (), probes)
    mean = model.service_dist("fx").mean
    assert out["t0"].mean_min == pytest.approx(mean) and not out["t0"].served
    assert out["probe:fx"].mean_min == out["probe:fx-2"].mean_min == pytest.approx(2 * mean)
