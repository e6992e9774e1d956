"""The dev broker forgets everything when it restarts: services recreate topics, rejoin and carry on."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from branchops.contracts import all_topic_names
from branchops.devstack import SERVICES, DevStack
from branchops.devstack.broker import run_blocking
from branchops.settings import Role
from tests.conftest import api_key
from tests.e2e.helpers import eventually, service_env
from tests.integration.test_devstack import _topics


def test_services_carry_on_after_the_broker_restarts_empty(tmp_path: Path, redis_url: str) -> None:
    stack = DevStack(log_dir=tmp_path, redis_url=redis_url).start()
    specs = {s.name: s for s in SERVICES}
    try:
        ports = {name: stack.start_service(specs[name], env=service_env()) for name in ("queue", "staffing")}
        stack.wait_healthy(["queue", "staffing"], timeout_s=90)
        branch = f"restart-{uuid.uuid4().hex[:6]}"
        kiosk, manager = {"X-API-Key": api_key(Role.KIOSK)}, {"X-API-Key": api_key(Role.MANAGER)}
        tickets = f"http://127.0.0.1:{ports['queue']}/v1/branches/{branch}/tickets"
        counts = f"http://127.0.0.1:{ports['staffing']}/v1/branches/{branch}/ticket-counts"

        def issued() -> int:
            got = httpx.get(counts, headers=manager, timeout=5)
            return int(got.json()["counts"]["issued"]) if got.status_code == 200 else -1

        assert httpx.post(tickets, json={"service": "cash"}, headers=kiosk, timeout=10).status_code == 201
        eventually(lambda: issued() == 1, timeout_s=30)

        assert stack.broker is not None
        stack.broker.kill()
        stack.broker.start(with_topics=False)  # same port, no topics, no groups, no offsets
        eventually(
            lambda: set(all_topic_names()) <= set(run_blocking(lambda: _topics(stack.kafka_bootstrap))), timeout_s=60
        )

        assert httpx.post(tickets, json={"service": "cash"}, headers=kiosk, timeout=10).status_code == 201
        eventually(lambda: issued() == 2, timeout_s=90)
        for port in ports.values():
            eventually(
                lambda p=port: httpx.get(f"http://127.0.0.1:{p}/readyz", timeout=5).status_code == 200, timeout_s=60
            )
    finally:
        stack.stop()
