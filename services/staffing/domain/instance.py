"""An instance as the service takes it: the solver's rules plus what its events and keys need.

:func:`parse_service_instance` is the edge of ``POST /v1/plans:solve`` and ``PUT .../instance``: one call
turns the JSON body into a :class:`StaffingProblem` or raises :class:`InvalidInstance` (HTTP 422) with
the reason. The CLI takes any instance the solver can plan (:func:`.parse.parse_problem`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError

from branchops.contracts.base import BranchId
from branchops.contracts.enums import ServiceName

from .errors import InvalidInstance
from .parse import parse_problem
from .problem import StaffingProblem

KNOWN_SERVICES = frozenset(s.value for s in ServiceName)
_BRANCH: TypeAdapter[str] = TypeAdapter(BranchId)


def unknown_services(instance: Mapping[str, Any]) -> list[str]:
    """Service and skill names outside DESIGN.md's vocabulary (events could not carry them)."""
    names = set(instance.get("services") or {})
    for member in instance.get("staff") or []:
        if isinstance(member, Mapping) and isinstance(member.get("skills"), list):
            names.update(s for s in member["skills"] if isinstance(s, str))
    return sorted(n for n in names if n not in KNOWN_SERVICES)


def parse_service_instance(instance: object, branch_id: str | None = None) -> StaffingProblem:
    """Refuse what the solver or the events cannot take (``branch_id``: the path's, when there is one)."""
    if not isinstance(instance, Mapping):
        raise InvalidInstance("the instance must be a JSON object")
    try:
        _BRANCH.validate_python(instance.get("branch_id"))
    except ValidationError:
        raise InvalidInstance("branch_id must be a short id (letters, digits, '_', '.', '-')") from None
    if branch_id is not None and instance["branch_id"] != branch_id:
        raise InvalidInstance(f"branch_id {instance['branch_id']!r} does not match the path's {branch_id!r}")
    try:
        dt.date.fromisoformat(str(instance.get("date")))
    except ValueError:
        raise InvalidInstance("date must be YYYY-MM-DD") from None
    unknown = unknown_services(instance)
    if unknown:
        raise InvalidInstance(f"unknown service or skill name(s) {unknown}; use cash, general, corporate, wealth, fx")
    return parse_problem(instance)
