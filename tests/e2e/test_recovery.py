"""A service started while Kafka and Redis are down reports not-ready and recovers by itself."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import httpx

from branchops.contracts import topics
from branchops.devstack import SERVICES, DevStack, LocalRedis, TansuBroker
from branchops.devstack.process import free_port
from branchops.settings import Role
from tests.conftest import api_key
from tests.e2e.helpers import eventually, service_env
from tests.integration.kafka_helpers import read_topic


def _ready(port: int) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)


def test_queue_starts_without_kafka_and_redis_then_recovers(tmp_path: Path) -> None:
    kafka_port, redis_port = free_port(), free_port()
    stack = DevStack(log_dir=tmp_path, redis_url="redis://127.0.0.1:1/0")
    stack.broker = TansuBroker(log_dir=tmp_path, port=kafka_port)  # created, not started
    stack.redis_url = f"redis://127.0.0.1:{redis_port}/0"
    queue = next(s for s in SERVICES if s.name == "queue")
    redis = LocalRedis(log_dir=tmp_path, port=redis_port)
    try:
        port = stack.start_service(queue, env=service_env())
        stack.wait_healthy(["queue"], path="/healthz", timeout_s=60)

        down = _ready(port)
        assert down.status_code == 503
        assert down.headers["content-type"] == "application/problem+json"
        checks = down.json()["checks"]
        assert not checks["redis"]["ok"] and not checks["kafka"]["ok"]
        branch = f"rec-{uuid.uuid4().hex[:6]}"
        url = f"http://127.0.0.1:{port}/v1/branches/{branch}/tickets"
        refused = httpx.post(url, json={"service": "cash"}, headers={"X-API-Key": api_key(Role.KIOSK)}, timeout=10)
        assert refused.status_code == 503, "nothing can be accepted without the state store"
        assert refused.json()["title"] == "State store unavailable"

        redis.start()
        eventually(lambda: _ready(port).json()["checks"]["redis"]["ok"], timeout_s=30)
        assert _ready(port).status_code == 503, "still not ready: Kafka is down"

        # Accepted while Kafka is down: the ticket is in Redis and its event waits in the outbox.
        accepted = httpx.post(url, json={"service": "cash"}, headers={"X-API-Key": api_key(Role.KIOSK)}, timeout=10)
        assert accepted.status_code == 201, accepted.text

        stack.broker.start()
        eventually(lambda: _ready(port).status_code == 200, timeout_s=60)
        records = asyncio.run(read_topic(stack.kafka_bootstrap, topics.TICKETS.name, expect=1, timeout_s=20))
        ids = [json.loads(r.value)["data"]["ticket_id"] for r in records]
        assert ids == [accepted.json()["ticket_id"]], "the accepted ticket's event was published after recovery"
    finally:
        stack.stop()
        redis.stop()
