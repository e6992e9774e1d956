"""The planner verifies mixed-skill days on the floor (issue 23 item 3): which days, what floor model, and the
verification the plan carries (plan JSON and staffing.plan.v1). Budgets are generous: nothing here is timed."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from services.staffing.contract import plan_event
from services.staffing.domain.history import service_time_sigma
from services.staffing.domain.mixed_family import floor_model as family_floor
from services.staffing.domain.plan import Plan
from services.staffing.domain.plan_json import plan_from_json, plan_to_json
from services.staffing.domain.verified_day import floor_model, is_mixed_skill
from services.staffing.domain.verified_roster import VerifySettings, plan_verified
from services.staffing.settings import StaffingSettings
from services.staffing.solve import parse_instance, solve_problem
from services.staffing.usecases.planning import Planning
from tests.unit.staffing.conftest import small_instance

KEPT = Path(__file__).resolve().parents[3] / "bench" / "staffing"
NO_CUT_S = 600.0  # a budget no round reaches: the plan is decided by the seed alone


def _kept(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((KEPT / name).read_text())
    return doc


def _planning(**settings: Any) -> Planning:
    store, pool = cast(Any, None), cast(Any, None)  # Planning.floor touches neither
    return Planning(store, pool, StaffingSettings(**settings), clock=lambda: dt.datetime(2026, 12, 1, tzinfo=dt.UTC))


def _without_time(plan: Plan) -> Plan:
    return replace(plan, stats=replace(plan.stats, solve_ms=0.0))


def test_a_mixed_day_is_planned_verified_at_the_target_in_every_interval_and_repeats_for_its_seed() -> None:
    problem = parse_instance(_kept("mixed_day_2svc.json")["instance"])
    floor = _planning().floor(problem)
    assert floor is not None and floor.calling == "skills" and floor.pooling
    first = solve_problem(problem, time_limit_s=NO_CUT_S, seed=0, floor=floor)
    check = first.verification
    assert check is not None
    assert check.worst_interval >= 0.8
    assert set(check.service_worst) == {"cash", "corporate"}
    assert min(check.service_worst.values()) >= 0.8
    assert check.replications == 120 and check.target_fraction == 0.8
    assert check.gap is not None and 0.0 <= check.gap < 0.05
    assert check.reproducible and first.stats.stable
    assert first.status in ("OPTIMAL", "FEASIBLE") and not first.shortfalls
    again = solve_problem(problem, time_limit_s=NO_CUT_S, seed=0, floor=floor)
    assert _without_time(again) == _without_time(first)


def test_the_record_is_the_verifier_s_own_result_and_a_repair_is_reported() -> None:
    """Four services where the first roster misses an interval on the floor (bench: start 1 cell below)."""
    doc = _kept("mixed_day_4svc.json")
    problem, model = parse_instance(doc["instance"]), family_floor(doc["floor"])
    plan = solve_problem(problem, time_limit_s=NO_CUT_S, seed=0, floor=model)
    direct = plan_verified(problem, model, VerifySettings(seed=0))
    assert direct.rounds[0].cells_below > 0  # the start roster fails somewhere on the floor
    check = plan.verification
    assert check is not None and check.repaired
    assert check.worst_interval == round(direct.verification.worst_interval(), 4)
    assert min(check.service_worst.values()) == round(direct.verification.worst_cell()[0], 4) >= 0.8
    assert plan.cost == direct.roster.cost


def test_single_service_days_and_the_setting_off_skip_verification() -> None:
    single = parse_instance(small_instance())
    assert not is_mixed_skill(single)
    assert _planning().floor(single) is None
    plan = solve_problem(single, time_limit_s=NO_CUT_S, seed=0, floor=_planning().floor(single))
    assert plan.verification is None and "verification" not in plan_to_json(plan)
    mixed = parse_instance(_kept("mixed_day_2svc.json")["instance"])
    assert _planning(verify_roster=False).floor(mixed) is None
    # single-skill staff at a window the configuration shares between services: a mixed day too
    assert is_mixed_skill(single, mixed_windows=True) and _planning().floor(single, mixed_windows=True) is not None


def test_sigma_comes_from_handling_time_history_else_from_the_setting() -> None:
    rng = np.random.default_rng(4)
    observed = {"cash": (rng.lognormal(1.2, 0.6, 4000)).tolist(), "corporate": [15.0, 16.0]}
    learned = service_time_sigma(observed, ("cash", "corporate"), min_samples=20)
    assert learned["cash"] == pytest.approx(0.6, abs=0.03)
    assert "corporate" not in learned  # two samples: not enough
    problem = parse_instance(_kept("mixed_day_2svc.json")["instance"])
    model = floor_model(problem, 0.9, learned)
    assert model.sigma == {"cash": learned["cash"], "corporate": 0.9}
    assert _planning(verify_sigma=1.3).floor(problem, {"corporate": 0.5}) == floor_model(
        problem, 1.3, {"corporate": 0.5}
    )


def test_the_verification_survives_the_plan_json_and_reaches_the_plan_event() -> None:
    problem = parse_instance(_kept("mixed_day_2svc.json")["instance"])
    plan = replace(solve_problem(problem, time_limit_s=NO_CUT_S, seed=1, floor=_planning().floor(problem)), version=1)
    assert plan.verification is not None
    body = plan_to_json(plan)
    assert body["verification"]["worst_interval"] == plan.verification.worst_interval
    assert plan_from_json(json.loads(json.dumps(body))) == plan
    event = plan_event(plan, dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC))
    assert event.verification is not None
    assert event.verification.worst_interval == plan.verification.worst_interval
    assert event.verification.repaired == plan.verification.repaired
    assert {s.value for s in event.verification.service_worst} == {"cash", "corporate"}
    assert plan_event(replace(plan, verification=None), event.at).verification is None
