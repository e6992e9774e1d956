"""The queue's API suite (issue, call, complete, transfer, windows) on the Redis Cluster."""

from tests.integration.test_queue_api import *  # noqa: F403
