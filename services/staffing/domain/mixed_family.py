"""A family of hard mixed-skill branch-days, generated from a seed (issue 23): values only, no I/O.

Each day has 2-4 services with very different handling times (cash 4 min ... wealth 20 min),
lognormal service times with a heavy tail (sigma 0.6-1.2), dedicated staff per service and shared
staff whose ``skills`` list is the order in which their window calls the other queues, part-timers,
and a lunch and a late-afternoon peak. :func:`mixed_day` returns a document
``{"instance": <solver instance, bench/staffing/README.md format>, "floor": {"sigma", "pooling", "calling"}}``;
:func:`floor_model` reads its ``floor`` part.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import InvalidInstance
from .verify import FloorModel

# name, mean handling time (min), lognormal sigma range, arrivals per 15 min at the day's mean, patience
_SERVICES: tuple[tuple[str, float, tuple[float, float], float, float | None], ...] = (
    ("cash", 4.0, (0.6, 0.9), 7.0, 20.0),
    ("corporate", 15.0, (1.0, 1.2), 1.1, None),
    ("general", 8.0, (0.8, 1.0), 3.0, 40.0),
    ("wealth", 20.0, (1.0, 1.2), 0.5, None),
)


def _profile(rng: np.random.Generator, n: int) -> np.typing.NDArray[np.float64]:
    """Day shape, mean 1: a lunch peak and a late-afternoon peak of random height and place."""
    x = np.arange(n) / max(n - 1, 1)
    lunch, late = rng.uniform(0.38, 0.55), rng.uniform(0.78, 0.92)
    shape = (
        0.55
        + rng.uniform(0.6, 1.1) * np.exp(-(((x - lunch) / 0.09) ** 2))
        + rng.uniform(0.4, 0.9) * np.exp(-(((x - late) / 0.07) ** 2))
    )
    return np.asarray(shape / shape.mean(), dtype=np.float64)


def mixed_day(seed: int, n_services: int | None = None, calling: str = "skills") -> dict[str, Any]:
    """One branch-day of the family; the same seed gives the same day.

    ``calling="skills"`` (default, the harder floor): a shared window always calls its person's skills in
    their listed order; ``"roster"``: the service the roster names first (see :mod:`.verify`).
    """
    rng = np.random.default_rng(seed)
    count = int(rng.integers(2, 5)) if n_services is None else n_services
    if not 2 <= count <= len(_SERVICES):
        raise InvalidInstance(f"n_services must be 2..{len(_SERVICES)}, got {count}")
    chosen = _SERVICES[:count]
    n = 32  # 09:00-17:00 in 15-minute intervals
    volume = rng.uniform(0.85, 1.25)
    services: dict[str, Any] = {}
    sigma: dict[str, float] = {}
    load = np.zeros(n)
    for name, aht, (low, high), mean_arrivals, patience in chosen:
        shape = _profile(rng, n)
        arrivals = np.round(mean_arrivals * volume * shape * rng.uniform(0.9, 1.1, n), 2)
        services[name] = {"aht_min": aht, "patience_min": patience, "arrivals": [float(a) for a in arrivals]}
        sigma[name] = round(float(rng.uniform(low, high)), 2)
        load += arrivals * aht / 15
    peak = float(load.max())
    names = [s[0] for s in chosen]
    staff: list[dict[str, Any]] = []

    def add(skills: list[str], part_time: bool) -> None:
        staff.append(
            {
                "id": f"m{len(staff) + 1:02d}",
                "skills": skills,
                "shift_types": ["4h"] if part_time else ["4h", "6h", "8h"],
                "available": {"from": "11:00" if part_time else "09:00", "to": "17:00"},
                "cost_per_hour": 1.0,
            }
        )

    aht_of = {s[0]: s[1] for s in chosen}
    for name in names:  # dedicated staff: at least one per service, more for the busy ones
        share = max(services[name]["arrivals"]) * aht_of[name] / 15
        for k in range(max(1, math.ceil(share * 0.6))):
            add([name], part_time=k == 2)
    pairs = [[names[0], other] for other in names[1:]]  # cash with each other service, and the slow pair
    if count >= 3:
        pairs.append([names[1], names[2]])
    shared = max(4, math.ceil(peak * 1.4))
    for k in range(shared):  # shared staff: two skills in a random calling order
        skills = [str(s) for s in rng.permutation(pairs[k % len(pairs)])]
        add(skills, part_time=k % 4 == 3)
    instance = {
        "branch_id": f"mixed-{seed:04d}",
        "date": "2026-12-01",
        "interval_minutes": 15,
        "open": "09:00",
        "close": "17:00",
        "service_level": {"target_wait_min": 10.0, "target_fraction": 0.8, "scope": "every_interval"},
        "min_open_windows": 2,
        "max_windows": max(8, math.ceil(peak * 1.6)),
        "services": services,
        "shift_types": [
            {"name": "4h", "length_min": 240, "break_min": 0},
            {"name": "6h", "length_min": 360, "break_min": 30},
            {"name": "8h", "length_min": 480, "break_min": 60},
        ],
        "break_rules": {"earliest_after_start_min": 120, "latest_before_end_min": 60},
        "staff": staff,
    }
    return {"instance": instance, "floor": {"sigma": sigma, "pooling": True, "calling": calling}}


def floor_model(floor: Mapping[str, Any]) -> FloorModel:
    """The ``floor`` part of a family document: lognormal sigma per service and mixed-window calling."""
    raw = floor.get("sigma", {})
    if not isinstance(raw, Mapping):
        raise InvalidInstance("floor.sigma must be an object of service name -> sigma")
    sigma: dict[str, float | None] = {}
    for name, value in raw.items():
        if value is not None and (not isinstance(value, int | float) or value < 0):
            raise InvalidInstance(f"floor.sigma.{name} must be a number >= 0 or null, got {value!r}")
        sigma[str(name)] = None if value is None else float(value)
    calling = floor.get("calling", "roster")
    if calling not in ("roster", "skills"):
        raise InvalidInstance(f"floor.calling must be 'roster' or 'skills', got {calling!r}")
    return FloorModel(sigma=sigma, pooling=bool(floor.get("pooling", True)), calling=calling)
