"""The branch configuration document and a stored version of it.

The document's shape is a contract (``branchops.contracts.branch_config``: the topic carries it); this
module names it for the records service and adds what only records knows: a stored version and who made it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from branchops.contracts.branch_config import (
    Absence,
    BranchConfig,
    BranchInfo,
    CameraConfig,
    DeviceConfig,
    DeviceKind,
    Holiday,
    OpeningSpan,
    ServiceConfig,
    ServiceNames,
    StaffConfig,
    Weekday,
    WindowConfig,
)
from branchops.contracts.events import BranchConfigChanged, ChangedBy


@dataclass(frozen=True)
class StoredConfig:
    """One branch's configuration as records keeps it: version ``version``, last changed by ``updated_by``."""

    branch_id: str
    version: int
    config: BranchConfig
    updated_at: dt.datetime
    updated_by: ChangedBy


__all__ = [
    "Absence",
    "BranchConfig",
    "BranchConfigChanged",
    "BranchInfo",
    "CameraConfig",
    "ChangedBy",
    "ConfigChange",
    "DeviceConfig",
    "DeviceKind",
    "Holiday",
    "OpeningSpan",
    "ServiceConfig",
    "ServiceNames",
    "StaffConfig",
    "StoredConfig",
    "Weekday",
    "WindowConfig",
]


@dataclass(frozen=True)
class ConfigChange:
    """An accepted change, ready to be stored: the new version, the audit summary, the event that announces it."""

    stored: StoredConfig
    diff: dict[str, Any]
    event: BranchConfigChanged
