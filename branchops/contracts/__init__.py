"""Event contracts: CloudEvents envelope, one model per topic, topic registry, AsyncAPI export."""

from branchops.contracts.envelope import CloudEvent, EventDecodeError, decode, encode, new_event
from branchops.contracts.topics import ALL_TOPICS, Topic, all_topic_names, topic_by_name, topic_of

__all__ = [
    "ALL_TOPICS",
    "CloudEvent",
    "EventDecodeError",
    "Topic",
    "all_topic_names",
    "decode",
    "encode",
    "new_event",
    "topic_by_name",
    "topic_of",
]
