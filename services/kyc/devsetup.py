"""The KYC service's part of ``branchops up``: the demo keeps uploaded document images (encrypted, a fresh
key per run) so the officer sees each document beside its fields on /officer. The service's own default
stays off (KYC_RETENTION_TTL_S=0: images never stored)."""

from __future__ import annotations

import base64
import os

from branchops.plugins import DevRun, DevSetup

DEMO_RETENTION_S = 8 * 3600


def dev_setup(run: DevRun) -> DevSetup:
    return DevSetup(
        env={
            "KYC_RETENTION_TTL_S": str(DEMO_RETENTION_S),
            "KYC_RETENTION_KEY": base64.b64encode(os.urandom(32)).decode(),  # this run only, never printed
        },
        banner=(
            f"  KYC: demo keeps uploaded document images encrypted for {DEMO_RETENTION_S // 3600} h so the officer "
            "sees them; production default is off",
            "       demo merchant applicants are opened at the branch in the background (manager: 商户审核, /officer)",
        ),
    )
