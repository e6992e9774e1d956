"""No service imports the simulators (``simulation/``): they drive the services from outside, so a service
runs, and its image builds, without them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SIMULATION_PATH = re.compile(r"(?<![\w.])simulation\.\w")  # importlib.import_module("simulation.cli")


def simulation_references(source: str) -> list[str]:
    """``line: what`` for every import of ``simulation`` and every ``simulation.`` module path in a string."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if a.name.split(".")[0] == "simulation"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "simulation":
            found.append(f"{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SIMULATION_PATH.search(node.value):
            found.append(f"{node.lineno}: {node.value.strip()[:80]}")
    return found


@pytest.mark.parametrize(
    "sample",
    [
        "import simulation.live_branch\n",
        "from simulation import cameras\n",
        "def f():\n    from simulation.branch_day import simulate_day\n",
        "x = importlib.import_module('simulation.cli')\n",
    ],
)
def test_the_scanner_finds_an_import(sample: str) -> None:
    assert simulation_references(sample), sample


@pytest.mark.parametrize(
    "sample",
    [
        "from services.queue.domain import routing\n",
        "from .simulation import x\n",
        '"""Driven from outside by the ``simulation`` package."""\n',
        "simulation = 1\nprint(simulation.real)\n",
    ],
)
def test_the_scanner_lets_service_code_be(sample: str) -> None:
    assert simulation_references(sample) == [], sample


def test_no_service_imports_the_simulators() -> None:
    modules = sorted((ROOT / "services").rglob("*.py"))
    assert len(modules) > 50, "the scan found the services' modules"
    offenders = {
        str(p.relative_to(ROOT)): refs
        for p in modules
        if (refs := simulation_references(p.read_text(encoding="utf-8")))
    }
    assert offenders == {}, f"services import the simulators: {offenders}"
