"""Parse and validate an instance dict (bench/staffing/README.md format) into a StaffingProblem."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import InvalidInstance
from .problem import (
    BreakRules,
    LabourRules,
    ServiceDemand,
    ServiceLevel,
    ShiftType,
    StaffingProblem,
    StaffMember,
)

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_ARRIVALS_PER_INTERVAL = 10_000.0
"""More customers than this in one interval is a broken feed, not a branch (the simulator's Poisson draws
fail near 1e19 after seconds of work; a busy branch sees tens an interval)."""
MAX_AHT_MIN = 480.0


def _field(mapping: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(mapping, Mapping):
        raise InvalidInstance(f"{where} must be an object")
    if key not in mapping:
        raise InvalidInstance(f"{where}.{key} is missing")
    return mapping[key]


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidInstance(f"{where} must be an object")
    return value


def _number(
    value: Any, where: str, *, minimum: float | None = None, strictly: bool = False, maximum: float | None = None
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInstance(f"{where} must be a finite number, got {value!r}")
    if minimum is not None and (value < minimum or (strictly and value == minimum)):
        relation = "greater than" if strictly else "at least"
        raise InvalidInstance(f"{where} must be {relation} {minimum:g}, got {value!r}")
    if maximum is not None and value > maximum:
        raise InvalidInstance(f"{where} must be at most {maximum:g}, got {value!r}")
    return float(value)


def _integer(value: Any, where: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInstance(f"{where} must be an integer, got {value!r}")
    if value < minimum:
        raise InvalidInstance(f"{where} must be at least {minimum}, got {value}")
    return value


def _clock(value: Any, where: str) -> int:
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidInstance(f"{where} must be a clock time HH:MM, got {value!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def _services(raw: Any, n_intervals: int) -> tuple[ServiceDemand, ...]:
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidInstance("services must be a non-empty object of service name -> forecast")
    services = []
    for name, spec in raw.items():
        where = f"services.{name}"
        arrivals = _field(spec, "arrivals", where)
        if not isinstance(arrivals, list) or len(arrivals) != n_intervals:
            got = len(arrivals) if isinstance(arrivals, list) else type(arrivals).__name__
            raise InvalidInstance(f"{where}.arrivals must list one value per interval ({n_intervals}), got {got}")
        values = tuple(
            _number(v, f"{where}.arrivals[{i}]", minimum=0, maximum=MAX_ARRIVALS_PER_INTERVAL)
            for i, v in enumerate(arrivals)
        )
        if spec.get("service_time", "exponential") != "exponential":
            raise InvalidInstance(f"{where}.service_time: only 'exponential' is supported")
        patience = spec.get("patience_min")
        services.append(
            ServiceDemand(
                name=str(name),
                arrivals=values,
                aht_min=_number(
                    _field(spec, "aht_min", where), f"{where}.aht_min", minimum=0, strictly=True, maximum=MAX_AHT_MIN
                ),
                patience_min=None
                if patience is None
                else _number(patience, f"{where}.patience_min", minimum=0, strictly=True),
            )
        )
    if sum(sum(s.arrivals) for s in services) <= 0:
        raise InvalidInstance("the forecast has no arrivals at all in any service; check the forecast feed")
    return tuple(services)


def _shift_types(raw: Any, interval: int, rules: BreakRules, day_min: int) -> tuple[ShiftType, ...]:
    if not isinstance(raw, list) or not raw:
        raise InvalidInstance("shift_types must be a non-empty list")
    shift_types: list[ShiftType] = []
    for index, spec in enumerate(raw):
        where = f"shift_types[{index}]"
        shift = ShiftType(
            name=str(_field(spec, "name", where)),
            length_min=_integer(_field(spec, "length_min", where), f"{where}.length_min", minimum=1),
            break_min=_integer(spec.get("break_min", 0), f"{where}.break_min"),
        )
        if shift.name in {s.name for s in shift_types}:
            raise InvalidInstance(f"{where}: duplicate shift type name {shift.name!r}")
        if shift.length_min % interval or shift.break_min % interval:
            raise InvalidInstance(f"shift type {shift.name!r}: length and break must be multiples of {interval} min")
        if shift.length_min > day_min:
            raise InvalidInstance(f"shift type {shift.name!r} ({shift.length_min} min) is longer than the day")
        if shift.break_min >= shift.length_min:
            raise InvalidInstance(f"shift type {shift.name!r}: break is not shorter than the shift")
        room = shift.length_min - rules.earliest_after_start_min - rules.latest_before_end_min
        if shift.break_min and room < shift.break_min:
            raise InvalidInstance(
                f"shift type {shift.name!r}: break_rules leave {room} min for a {shift.break_min} min break"
            )
        shift_types.append(shift)
    return tuple(shift_types)


def _staff(raw: Any, shift_names: set[str], open_min: int, close_min: int) -> tuple[StaffMember, ...]:
    if not isinstance(raw, list):
        raise InvalidInstance("staff must be a list")
    members: list[StaffMember] = []
    for index, spec in enumerate(raw):
        where = f"staff[{index}]"
        staff_id = str(_field(spec, "id", where))
        where = f"staff {staff_id!r}"
        if staff_id in {m.id for m in members}:
            raise InvalidInstance(f"{where}: duplicate staff id")
        skills = spec.get("skills")
        if not isinstance(skills, list) or not skills or not all(isinstance(s, str) and s for s in skills):
            raise InvalidInstance(f"{where} has no skills; give at least one service name")
        allowed = spec.get("shift_types", sorted(shift_names))
        if not isinstance(allowed, list) or not allowed:
            raise InvalidInstance(f"{where}.shift_types must be a non-empty list")
        unknown = sorted(set(map(str, allowed)) - shift_names)
        if unknown:
            raise InvalidInstance(f"{where}: unknown shift type(s) {unknown}")
        available = _mapping(spec.get("available", {}), f"{where}.available")
        start = open_min if available.get("from") is None else _clock(available["from"], f"{where}.available.from")
        end = close_min if available.get("to") is None else _clock(available["to"], f"{where}.available.to")
        if end <= start:
            raise InvalidInstance(f"{where}: availability ends before it starts")
        previous_end = spec.get("previous_shift_end")
        members.append(
            StaffMember(
                id=staff_id,
                skills=tuple(dict.fromkeys(skills)),
                shift_types=tuple(dict.fromkeys(map(str, allowed))),
                available_from_min=start,
                available_to_min=end,
                cost_per_hour=_number(spec.get("cost_per_hour", 1.0), f"{where}.cost_per_hour", minimum=0),
                previous_shift_end_min=None
                if previous_end is None
                else _clock(previous_end, f"{where}.previous_shift_end"),
                late_shifts_recent=_integer(spec.get("late_shifts_recent", 0), f"{where}.late_shifts_recent"),
            )
        )
    return tuple(members)


def _labour_rules(raw: Any) -> LabourRules:
    if raw is None:
        return LabourRules()
    raw = _mapping(raw, "labour_rules")
    max_hours = raw.get("max_paid_hours_per_day")
    rest = raw.get("min_rest_hours")
    return LabourRules(
        max_paid_hours_per_day=None
        if max_hours is None
        else _number(max_hours, "labour_rules.max_paid_hours_per_day", minimum=0, strictly=True),
        min_rest_hours=None if rest is None else _number(rest, "labour_rules.min_rest_hours", minimum=0),
    )


def parse_problem(instance: Mapping[str, Any]) -> StaffingProblem:
    """Validate ``instance``; raise :class:`InvalidInstance` (a ValueError) with a readable reason."""
    if not isinstance(instance, Mapping):
        raise InvalidInstance("the instance must be a JSON object")
    interval = _integer(_field(instance, "interval_minutes", "instance"), "interval_minutes", minimum=1)
    open_min = _clock(_field(instance, "open", "instance"), "open")
    close_min = _clock(_field(instance, "close", "instance"), "close")
    if close_min <= open_min:
        raise InvalidInstance("close must be after open")
    if (close_min - open_min) % interval:
        raise InvalidInstance(f"interval_minutes={interval} does not divide the {close_min - open_min} min day")
    level = _mapping(_field(instance, "service_level", "instance"), "service_level")
    scope = level.get("scope", "every_interval")
    if scope not in ("every_interval", "day"):
        raise InvalidInstance(f"service_level.scope must be 'every_interval' or 'day', got {scope!r}")
    fraction = _number(_field(level, "target_fraction", "service_level"), "service_level.target_fraction", minimum=0)
    if not 0 < fraction < 1:
        raise InvalidInstance(f"service_level.target_fraction must be in (0, 1), got {fraction:g}")
    service_level = ServiceLevel(
        target_wait_min=_number(_field(level, "target_wait_min", "service_level"), "target_wait_min", minimum=0),
        target_fraction=fraction,
        scope=scope,
    )
    min_open = _integer(instance.get("min_open_windows", 0), "min_open_windows")
    max_windows = _integer(_field(instance, "max_windows", "instance"), "max_windows", minimum=1)
    if min_open > max_windows:
        raise InvalidInstance(f"min_open_windows ({min_open}) exceeds max_windows ({max_windows})")
    raw_rules = _mapping(instance.get("break_rules") or {}, "break_rules")
    break_rules = BreakRules(
        earliest_after_start_min=_integer(raw_rules.get("earliest_after_start_min", 0), "earliest_after_start_min"),
        latest_before_end_min=_integer(raw_rules.get("latest_before_end_min", 0), "latest_before_end_min"),
    )
    shift_types = _shift_types(instance.get("shift_types"), interval, break_rules, close_min - open_min)
    n_intervals = (close_min - open_min) // interval
    return StaffingProblem(
        branch_id=str(instance.get("branch_id", "")),
        date=str(instance.get("date", "")),
        interval_minutes=interval,
        open_min=open_min,
        close_min=close_min,
        service_level=service_level,
        services=_services(instance.get("services"), n_intervals),
        min_open_windows=min_open,
        max_windows=max_windows,
        shift_types=shift_types,
        break_rules=break_rules,
        staff=_staff(instance.get("staff"), {s.name for s in shift_types}, open_min, close_min),
        labour_rules=_labour_rules(instance.get("labour_rules")),
    )
