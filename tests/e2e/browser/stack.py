"""Queue, staffing, records and gateway as real processes for the gateway's end-to-end and browser tests.

Records (configuration, reports) runs against the session's PostgreSQL; when it cannot start the stack goes
on without it (``GatewayStack.records`` False) and the gateway works as it does with records down.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from branchops.bus.producer import EventPublisher
from branchops.contracts import topics
from branchops.contracts.base import EventData
from branchops.devstack import SERVICES, DevStack
from services.gateway.domain.passwords import device_key_digest, hash_password
from tests.conftest import make_platform
from tests.e2e.helpers import service_env

PASSWORD = "correct-horse-battery"
USERS = ("manager", "head", "teller", "other-manager")


@dataclass(frozen=True)
class GatewayStack:
    devstack: DevStack
    ports: dict[str, int]
    branch: str
    other_branch: str
    kiosk_key: str
    other_kiosk_key: str
    records: bool = False

    def url(self, path: str, service: str = "gateway") -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    def publish(self, topic: topics.Topic, data: EventData) -> None:
        """Put an event on Kafka as if another service had produced it."""

        async def send() -> None:
            publisher = EventPublisher(make_platform(self.devstack.kafka_bootstrap), source="branchops/test/e2e")
            await publisher.start()
            try:
                await publisher.publish(topic, data)
            finally:
                await publisher.stop()

        # Playwright's sync API runs an event loop in this thread: publish from another one.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, send()).result(timeout=30)


def _gateway_env(branch: str, other: str, kiosk_key: str, other_key: str, ports: dict[str, int]) -> dict[str, str]:
    hashed = hash_password(PASSWORD)
    users = {
        "manager": {"password": hashed, "role": "manager", "branch": branch},
        "other-manager": {"password": hashed, "role": "manager", "branch": other},
        "teller": {"password": hashed, "role": "teller", "branch": branch},
        "head": {"password": hashed, "role": "head_office"},
    }
    devices = {
        device_key_digest(kiosk_key): {"branch": branch, "kiosk_id": "kiosk-1"},
        device_key_digest(other_key): {"branch": other, "kiosk_id": "kiosk-9"},
    }
    return service_env(
        GATEWAY_USERS=json.dumps(users),
        GATEWAY_DEVICE_KEYS=json.dumps(devices),
        GATEWAY_COOKIE_SECURE="false",
        GATEWAY_QUEUE_URL=f"http://127.0.0.1:{ports['queue']}",
        GATEWAY_STAFFING_URL=f"http://127.0.0.1:{ports['staffing']}",
        GATEWAY_RECORDS_URL=f"http://127.0.0.1:{ports.get('records', 9)}",
        GATEWAY_KYC_URL="http://127.0.0.1:9",
        GATEWAY_VOICE_URL="http://127.0.0.1:9",
    )


@pytest.fixture(scope="module")
def gateway_stack(devstack: DevStack) -> Iterator[GatewayStack]:
    specs = {s.name: s for s in SERVICES}
    suffix = uuid.uuid4().hex[:6]
    branch, other = f"br-{suffix}", f"br2-{suffix}"
    kiosk_key, other_key = f"dev-{uuid.uuid4().hex}{uuid.uuid4().hex}", f"dev-{uuid.uuid4().hex}"
    ports = {name: devstack.start_service(specs[name], env=service_env()) for name in ("queue", "staffing")}
    records = _start_records(devstack, specs, ports)
    ports["gateway"] = devstack.start_service(
        specs["gateway"], env=_gateway_env(branch, other, kiosk_key, other_key, ports)
    )
    try:
        devstack.wait_healthy(["queue", "staffing", "gateway"], timeout_s=90)
        yield GatewayStack(devstack, ports, branch, other, kiosk_key, other_key, records)
    finally:
        for name in ("gateway", "records", "staffing", "queue"):
            found = devstack.services.pop(name, None)
            if found:
                found[0].stop()


def _start_records(devstack: DevStack, specs: dict[str, Any], ports: dict[str, int]) -> bool:
    """Records on the session's PostgreSQL (the devstack's database URL), if it starts within a minute."""
    if "records" not in specs or not devstack.database_url:
        return False
    ports["records"] = devstack.start_service(specs["records"], env=service_env())
    try:
        devstack.wait_healthy(["records"], timeout_s=60)
    except (RuntimeError, TimeoutError) as exc:
        warnings.warn(f"records did not start; the gateway runs without it: {exc}", stacklevel=2)
        found = devstack.services.pop("records", None)
        if found:
            found[0].stop()
        ports.pop("records", None)
        return False
    return True


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def serve_at_window(stack: GatewayStack, window: str, service: str = "cash") -> dict[str, str]:
    """A kiosk's ticket, called to ``window`` by the teller and completed: the pad there may rate it."""
    import httpx

    from branchops.settings import Role
    from tests.conftest import api_key

    teller = {"X-API-Key": api_key(Role.TELLER)}
    base = f"/v1/branches/{stack.branch}"
    opened = httpx.put(
        stack.url(f"{base}/windows/{window}", "queue"),
        json={"state": "open", "skills": [service]},
        headers=teller,
        timeout=10,
    )
    assert opened.status_code == 200, opened.text
    taken = httpx.post(
        stack.url(f"{base}/tickets"), json={"service": service}, headers={"X-Device-Key": stack.kiosk_key}, timeout=10
    ).json()
    for _ in range(20):  # tickets issued earlier in the module may still wait for this service
        called = httpx.post(stack.url(f"{base}/windows/{window}/call-next"), headers=teller, timeout=10)
        assert called.status_code == 200, called.text
        done = httpx.post(
            stack.url(f"{base}/tickets/{called.json()['ticket_id']}/complete", "queue"),
            json={"window_id": window},
            headers=teller,
            timeout=10,
        )
        assert done.status_code == 200, done.text
        if called.json()["ticket_id"] == taken["ticket_id"]:
            return {"ticket_id": taken["ticket_id"], "number": taken["number"]}
    raise AssertionError("the kiosk's ticket was never called")
