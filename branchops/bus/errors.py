"""How the consumer runner treats a failure."""

from __future__ import annotations

from aiokafka.errors import KafkaError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from branchops.bus.producer import BusUnavailable


class PermanentError(Exception):
    """Raised by a handler for a message that can never succeed: dead-lettered without retries."""


TRANSIENT: tuple[type[BaseException], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    BusUnavailable,
    KafkaError,
    ConnectionError,
    TimeoutError,
)
"""Infrastructure outages: retried until they pass (or the runner stops), never dead-lettered."""


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)
