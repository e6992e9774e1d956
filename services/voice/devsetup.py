"""The voice service's part of ``branchops up``: the queue it hands customers to, the SANDBOX
core (records) it completes self-service through, and the key to call them."""

from __future__ import annotations

from branchops.plugins import DevRun, DevSetup


def dev_setup(run: DevRun) -> DevSetup:
    return DevSetup(
        env={
            "VOICE_QUEUE_URL": run.urls["queue"],
            "VOICE_QUEUE_API_KEY": run.api_keys["service"],
            "VOICE_CORE_BANKING_URL": run.urls["records"],  # the SANDBOX core with its seeded demo customers
        }
    )
