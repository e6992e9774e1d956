"""CloudEvent bytes for the publisher's hot path, joined from pre-serialised parts.

``encode(new_event(topic, data, source=...))`` builds and validates an envelope model per event only to
serialise it again. What that validation checks is fixed per publisher and topic (``source`` and
``type`` patterns) or was checked when ``data`` was built (``subject`` is ``data.branch_id``; pydantic
does not re-validate a model instance). So the first event of each topic goes through the models (any
error is raised there, as before) and later ones are joined from the constant parts, the fresh id and
time, and ``data`` serialised by its own model: byte for byte what ``encode`` gives (a unit test says so).
Data of a subclass of the topic's model always takes the model path.
"""

from __future__ import annotations

import pydantic_core

from branchops.clock import platform_clock
from branchops.contracts import Topic, encode, new_event
from branchops.contracts.base import EventData
from branchops.contracts.envelope import new_event_id


class _TopicParts:
    """The constant bytes of one topic's envelopes from one source."""

    __slots__ = ("after_id", "before_data", "model", "serializer")

    def __init__(self, topic: Topic, source: str) -> None:
        self.model = topic.model
        self.serializer = topic.model.__pydantic_serializer__
        self.after_id = b'","source":' + pydantic_core.to_json(source) + b',"type":'
        self.after_id += pydantic_core.to_json(topic.event_type) + b',"time":'
        self.before_data = b',"datacontenttype":"application/json","data":'


class EnvelopeWriter:
    """``value(topic, data)``: the bytes of a new CloudEvent of ``data`` on ``topic`` from ``source``."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._parts: dict[str, _TopicParts] = {}

    def value(self, topic: Topic, data: EventData) -> bytes:
        parts = self._parts.get(topic.name)
        if parts is None or type(data) is not parts.model:
            value = encode(new_event(topic, data, source=self._source))  # validates; raises as before
            if type(data) is topic.model:
                self._parts[topic.name] = _TopicParts(topic, self._source)
            return value
        return b"".join(
            (
                b'{"specversion":"1.0","id":"',
                new_event_id().encode(),
                parts.after_id,
                pydantic_core.to_json(platform_clock().now()),
                b',"subject":',
                pydantic_core.to_json(data.branch_id),
                parts.before_data,
                parts.serializer.to_json(data),
                b"}",
            )
        )
