"""What the rollups need from a branch's configuration: its time zone and each service's target wait."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.records.domain.intervals import DEFAULT_TIME_ZONE, Calendar, zone

DEFAULT_TARGET_WAIT_MIN = 10


@dataclass(frozen=True)
class BranchRules:
    tz: dt.tzinfo = field(default_factory=lambda: zone(DEFAULT_TIME_ZONE))
    target_wait_min: Mapping[str, int] = field(default_factory=dict)
    calendar: Calendar = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "calendar", Calendar(self.tz))

    def target(self, service: str) -> int:
        return self.target_wait_min.get(service, DEFAULT_TARGET_WAIT_MIN)


def default_rules() -> BranchRules:
    """Asia/Shanghai, every target 10 minutes: a branch records has no configuration for."""
    return BranchRules()


def rules_from_document(document: Mapping[str, Any] | None) -> BranchRules:
    """The rules of a stored configuration document (JSON); defaults for what it lacks or gets wrong."""
    if not document:
        return default_rules()
    branch = document.get("branch")
    tz = zone(branch.get("timezone") if isinstance(branch, Mapping) else None)
    targets: dict[str, int] = {}
    for service in document.get("services") or ():
        if isinstance(service, Mapping):
            code, target = service.get("code"), service.get("target_wait_min")
            if isinstance(code, str) and isinstance(target, int) and not isinstance(target, bool) and target > 0:
                targets[code] = target
    return BranchRules(tz, targets)
