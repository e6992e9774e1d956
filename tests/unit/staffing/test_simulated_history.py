"""The simulated branch's configuration and backfilled history (simulation/demo_config.py, history.py)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

from branchops.contracts.enums import TicketStatus
from services.records.domain.validation import validate
from services.staffing.domain.from_config import problem_from_config
from simulation.cli import register
from simulation.demo_config import demo_config
from simulation.history import SOURCE, config_event, day_events, past_days
from simulation.live_branch import demo_day

DAY = dt.date(2026, 11, 20)


def test_demo_config_passes_records_rules_and_matches_the_simulated_day() -> None:
    config = validate(demo_config("demo-001"))  # what records' PUT checks (InvalidConfig otherwise)
    services, windows = demo_day()
    assert {s.code for s in config.services} == set(services)
    assert {w.id: tuple(w.skills) for w in config.windows} == {w.window_id: tuple(w.skills) for w in windows}
    assert len(config.staff) > len(windows)  # a teller per window and floaters
    problem = problem_from_config("demo-001", config, DAY, {"general": [5.0] * 32}, {})
    assert problem is not None and (problem.open_min, problem.close_min) == (540, 1020)


def test_past_days_end_yesterday() -> None:
    assert past_days(DAY, 3) == [dt.date(2026, 11, 17), dt.date(2026, 11, 18), dt.date(2026, 11, 19)]
    assert past_days(DAY, 0) == []


def test_a_day_of_history_is_the_same_every_time_and_in_the_past() -> None:
    first, again = day_events("demo-001", DAY), day_events("demo-001", DAY)
    assert [e.id for e in first] == [e.id for e in again]  # records keeps each id once: no duplicates
    assert first[0].id != day_events("demo-002", DAY)[0].id
    assert all(e.source == SOURCE and e.time == e.data.at for e in first)
    assert all(e.data.at.date() == DAY for e in first)
    assert [e.data.at for e in first] == sorted(e.data.at for e in first)
    issued = [e for e in first if e.data.status is TicketStatus.ISSUED]
    assert 300 < len(issued) < 700  # about the demo day's expected 520 arrivals


def test_a_kept_configuration_is_announced_again_as_records_published_it() -> None:
    doc = demo_config("demo-001")
    stored = {
        "branch_id": "demo-001",
        "version": 3,
        "updated_at": "2026-11-20T01:00:00Z",
        "updated_by": {"subject": "dev-manager", "role": "manager"},
        "config": doc,
    }
    event, again = config_event(stored), config_event(stored)
    assert event.id == again.id and event.id != config_event({**stored, "version": 4}).id
    assert event.type == "branchops.branch-config.v1" and event.subject == "demo-001"
    assert event.data.version == 3 and event.data.changed_by.subject == "dev-manager"
    names = [m.display_name for m in event.data.config.staff]
    assert names and all(n != m["display_name"] for n, m in zip(names, doc["staff"], strict=True))


def test_branchops_up_fills_the_staffing_simulator_and_the_command_takes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from branchops.clock import Clock
    from branchops.up import _simulator
    from services.staffing import SERVICE

    stack = SimpleNamespace(
        redis_url="redis://127.0.0.1:1/0",
        kafka_bootstrap="127.0.0.1:2",
        services={"records": (None, 8005), "queue": (None, 8001)},
        log_dir=tmp_path,
    )
    keys = {"manager": "k-manager", "teller": "k-teller"}
    process = _simulator(SERVICE, stack, 8002, keys, branch="b-9", speed=20.0, clock=Clock())  # type: ignore[arg-type]
    args = process.argv[process.argv.index("branchops.cli") + 1 :]
    assert "k-manager" not in " ".join(process.argv)  # the key goes by environment: ps shows command lines
    monkeypatch.setenv("BRANCHOPS_SIM_MANAGER_KEY", process.env["BRANCHOPS_SIM_MANAGER_KEY"])
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    parsed = parser.parse_args(args)
    assert parsed.func.__name__ == "_simulate_history"
    assert (parsed.branch, parsed.records_url, parsed.api_key) == ("b-9", "http://127.0.0.1:8005", "k-manager")
    assert (parsed.kafka, parsed.redis_url, parsed.days) == ("127.0.0.1:2", "redis://127.0.0.1:1/0", 30)
