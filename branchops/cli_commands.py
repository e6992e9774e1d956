"""Service subcommands of ``branchops``, found by module name so the platform imports no service code.

Each module named here exposes ``register(subparsers)`` and imports its heavy dependencies only inside
the command it runs, so ``branchops --help`` stays fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

SERVICE_CLI_MODULES = (
    "services.queue.cli",
    "services.queue.vision.cli",
    "services.staffing.cli",
    "services.kyc.cli",
    "services.voice.cli",
)


def registrations() -> list[Callable[[Any], None]]:
    found = []
    for name in SERVICE_CLI_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that service has no CLI yet
                continue
            raise
        found.append(module.register)
    return found
