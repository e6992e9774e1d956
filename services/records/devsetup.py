"""``branchops up``: the records service seeds the simulated branch's SANDBOX core demo customers."""

from __future__ import annotations

import json

from branchops.plugins import DevRun, DevSetup


def dev_setup(run: DevRun) -> DevSetup:
    return DevSetup(
        env={"RECORDS_SANDBOX_CORE_SEED_BRANCHES": json.dumps([run.branch])},
        banner=(
            f"  Sandbox core (SANDBOX, demo data): customers sbx-{run.branch}-c01..c03 on records /v1/sandbox-core",
        ),
    )
