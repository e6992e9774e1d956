"""The queue's appointment suite (plan, booking and moving Lua scripts, check-in) on the Redis Cluster."""

from tests.integration.test_queue_appointments import *  # noqa: F403
