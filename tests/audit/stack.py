"""The five services as processes on their own broker, with HOME and TMPDIR in a sandbox we can inspect."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from branchops.devstack import SERVICES, DevStack
from branchops.settings import Role
from tests.conftest import api_key
from tests.e2e.helpers import service_env

NAMES = ("queue", "staffing", "kyc", "voice", "gateway")


@dataclass
class AuditStack:
    stack: DevStack
    ports: dict[str, int]
    sandbox: Path  # HOME and TMPDIR of every service process

    def url(self, name: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    @property
    def log_dir(self) -> Path:
        return self.stack.log_dir


def _env(sandbox: Path, ports: dict[str, int]) -> dict[str, str]:
    upstreams = {  # this run's services; any the audit does not start: nowhere (never a default port)
        f"GATEWAY_{name.upper()}_URL": f"http://127.0.0.1:{ports.get(name, 9)}"
        for name in ("queue", "staffing", "kyc", "voice", "records")
    }
    return service_env(
        HOME=str(sandbox / "home"),
        TMPDIR=str(sandbox / "tmp"),
        XDG_CACHE_HOME=str(sandbox / "home" / ".cache"),
        VOICE_QUEUE_URL=f"http://127.0.0.1:{ports['queue']}",
        VOICE_QUEUE_API_KEY=api_key(Role.SERVICE),
        KYC_RATE_LIMIT_PER_MINUTE="1000",
        GATEWAY_COOKIE_SECURE="false",
        **upstreams,
    )


@contextmanager
def audit_stack(redis_url: str, ports: dict[str, int]) -> Iterator[AuditStack]:
    """``ports``: one free port per service, chosen by the caller (the gateway and voice need the others')."""
    root = Path(tempfile.mkdtemp(prefix="branchops-audit-"))
    sandbox = root / "sandbox"
    for folder in ("home", "tmp"):
        (sandbox / folder).mkdir(parents=True)
    stack = DevStack(log_dir=root / "logs", redis_url=redis_url)
    stack.start()
    try:
        specs = {s.name: s for s in SERVICES}
        env = _env(sandbox, ports)
        for name in NAMES:
            stack.start_service(specs[name], port=ports[name], env=env)
        stack.wait_healthy(list(NAMES), timeout_s=120)
        yield AuditStack(stack, ports, sandbox)
    finally:
        stack.stop()
