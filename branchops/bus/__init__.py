"""Kafka plumbing: publisher and consumer runner (commit after success, retries, DLQ, dedup)."""

from branchops.bus.consumer import ConsumerConfig, ConsumerRunner, Handler
from branchops.bus.errors import PermanentError
from branchops.bus.producer import BusUnavailable, EventPublisher

__all__ = ["BusUnavailable", "ConsumerConfig", "ConsumerRunner", "EventPublisher", "Handler", "PermanentError"]
