"""Dead-letter records: the original key and bytes, with headers that say what went wrong."""

from __future__ import annotations

import datetime as dt

from aiokafka.structs import ConsumerRecord

from branchops.contracts.topics import DLQ_SUFFIX

MAX_ERROR_BYTES = 2000


def dlq_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX


def dlq_headers(record: ConsumerRecord[bytes, bytes], error: BaseException, group: str) -> list[tuple[str, bytes]]:
    message = f"{type(error).__name__}: {error}".encode(errors="replace")[:MAX_ERROR_BYTES]
    return [
        *((k, v) for k, v in (record.headers or ()) if not k.startswith("x-")),
        ("x-error", message),
        ("x-error-class", type(error).__name__.encode()),
        ("x-original-topic", record.topic.encode()),
        ("x-original-partition", str(record.partition).encode()),
        ("x-original-offset", str(record.offset).encode()),
        ("x-consumer-group", group.encode()),
        ("x-failed-at", dt.datetime.now(dt.UTC).isoformat().encode()),
    ]
