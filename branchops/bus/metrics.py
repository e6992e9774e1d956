"""Prometheus metrics of the event bus (one set per process, labelled by topic and consumer group)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

PUBLISHED = Counter("branchops_bus_published_total", "Events acknowledged by the broker", ["topic"])
PUBLISH_FAILED = Counter("branchops_bus_publish_failed_total", "Events the broker did not take", ["topic"])
CONSUMED = Counter("branchops_bus_consumed_total", "Messages handled successfully", ["topic", "group"])
FAILED = Counter("branchops_bus_handler_failures_total", "Handler attempts that raised", ["topic", "group"])
DEAD_LETTERED = Counter("branchops_bus_dead_lettered_total", "Messages sent to the DLQ", ["topic", "group"])
DUPLICATES = Counter("branchops_bus_duplicates_total", "Messages dropped as duplicates", ["topic", "group"])
LAG = Gauge("branchops_bus_consumer_lag", "High-water mark minus position", ["topic", "partition", "group"])
HANDLER_SECONDS = Histogram(
    "branchops_bus_handler_seconds",
    "Handler latency",
    ["topic", "group"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
