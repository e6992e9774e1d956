"""Topic administration: every registered topic and its dead-letter twin, created when missing."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from branchops.contracts import ALL_TOPICS


def topic_specs(partitions: int | None = None) -> list[NewTopic]:
    """Every topic and its dead-letter twin (DLQs get one partition: they are small and read by people).
    Compacted topics say so (``cleanup.policy=compact``); their DLQs are not compacted."""
    specs = []
    for topic in ALL_TOPICS:
        configs = {"cleanup.policy": "compact"} if topic.compacted else None
        specs.append(NewTopic(topic.name, partitions or topic.partitions, 1, topic_configs=configs))
        specs.append(NewTopic(topic.dlq, 1, 1))
    return specs


async def create_topics(bootstrap: str, specs: list[NewTopic], timeout_ms: int = 10_000) -> list[str]:
    """Create what is missing; return the names created. Safe to call again."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
        return [s.name for s in missing]
    finally:
        await admin.close()
