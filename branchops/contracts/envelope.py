"""CloudEvents 1.0 structured-mode envelope (JSON), DESIGN.md section 3."""

from __future__ import annotations

import functools
import os
import random
import uuid
from typing import Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from branchops.clock import platform_clock
from branchops.contracts.base import BranchId, EventData
from branchops.contracts.topics import Topic, topic_by_name

D = TypeVar("D", bound=EventData)
_ids = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _ids.seed(os.urandom(32)))


def new_event_id() -> str:
    """A random (version 4) UUID. Event ids need uniqueness, not secrecy: a seeded PRNG saves the urandom
    system call that ``uuid.uuid4()`` makes for every event."""
    return str(uuid.UUID(int=_ids.getrandbits(128), version=4))


class CloudEvent(BaseModel, Generic[D]):
    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=new_event_id, min_length=1, max_length=128)
    source: str = Field(pattern=r"^branchops/[a-z-]+/[^\s]{1,128}$")
    type: str = Field(pattern=r"^branchops\.[a-z.-]+\.v\d+$")
    time: AwareDatetime = Field(default_factory=lambda: platform_clock().now())
    subject: BranchId
    datacontenttype: Literal["application/json"] = "application/json"
    data: D


class EventDecodeError(ValueError):
    """Bytes on a topic are not a valid event of that topic. The message says why."""


@functools.cache
def envelope_class(model: type[EventData]) -> type[CloudEvent[Any]]:
    """``CloudEvent[model]``, built once per model (parametrising costs microseconds per call)."""
    return CloudEvent[model]  # type: ignore[valid-type]


def new_event(topic: Topic, data: EventData, *, source: str, event_id: str | None = None) -> CloudEvent[Any]:
    """Wrap ``data`` for ``topic``; ``subject`` is the branch id (also the Kafka key)."""
    if not isinstance(data, topic.model):
        raise TypeError(f"{topic.name} carries {topic.model.__name__}, not {type(data).__name__}")
    fields: dict[str, Any] = {"source": source, "type": topic.event_type, "subject": data.branch_id, "data": data}
    if event_id is not None:
        fields["id"] = event_id
    return envelope_class(topic.model)(**fields)


def encode(event: CloudEvent[Any]) -> bytes:
    return event.model_dump_json().encode()


def decode(topic: Topic | str, raw: bytes | str) -> CloudEvent[Any]:
    """Parse and validate bytes from ``topic``; raise :class:`EventDecodeError` with a readable reason."""
    t = topic_by_name(topic) if isinstance(topic, str) else topic
    try:
        event = envelope_class(t.model).model_validate_json(raw)
    except ValidationError as exc:
        raise EventDecodeError(f"invalid {t.name} event: {_describe(exc)}") from exc
    if event.type != t.event_type:
        raise EventDecodeError(f"event type {event.type!r} does not belong on {t.name}")
    if event.subject != event.data.branch_id:
        raise EventDecodeError("subject must equal data.branch_id")
    return event


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "(event)"
        parts.append(f"{where}: {err['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
