from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from branchops.cli import main


def test_solve_writes_a_plan(tmp_path: Path, make_small: Callable[..., dict[str, Any]]) -> None:
    instance, out = tmp_path / "day.json", tmp_path / "plan.json"
    instance.write_text(json.dumps(make_small()))
    code = main(["staffing", "solve", str(instance), "--out", str(out), "--time-limit", "2", "--seed", "3"])
    assert code == 0
    plan = json.loads(out.read_text())
    assert plan["status"] in ("OPTIMAL", "FEASIBLE") and plan["assignments"]


def test_invalid_instance_exits_2_with_one_line(
    tmp_path: Path, make_small: Callable[..., dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = make_small()
    bad["interval_minutes"] = 7
    instance = tmp_path / "bad.json"
    instance.write_text(json.dumps(bad))
    assert main(["staffing", "solve", str(instance), "--out", str(tmp_path / "p.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "does not divide" in err
    assert not (tmp_path / "p.json").exists()


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    assert main(["staffing", "solve", str(tmp_path / "missing.json")]) == 2
