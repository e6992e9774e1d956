"""The publisher's envelope bytes: what ``encode(new_event(...))`` gives, without an envelope model per event."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

import branchops.bus.envelope_bytes as envelope_bytes
from branchops.bus.consumer import id_hint
from branchops.bus.envelope_bytes import EnvelopeWriter
from branchops.contracts import ALL_TOPICS, Topic, decode, encode, new_event
from branchops.contracts.base import EventData
from tests.unit.platform.samples import samples

SOURCE = "branchops/test/envelope"


def _topic_of(data: EventData) -> Topic:
    return next(t for t in ALL_TOPICS if type(data) is t.model)


def _fixed_ids(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    ids = [f"id-{n}" for n in range(100)]
    pending = iter(ids)
    monkeypatch.setattr(envelope_bytes, "new_event_id", lambda: next(pending))
    return ids


@pytest.mark.parametrize("name", sorted(samples()))
def test_bytes_equal_what_the_models_encode_for_every_topic(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = samples()[name]
    topic = _topic_of(data)
    writer = EnvelopeWriter(SOURCE)
    writer.value(topic, data)  # the first event of a topic takes the models' path
    ids = _fixed_ids(monkeypatch)
    value = writer.value(topic, data)
    event = decode(topic, value)
    expected: dict[str, Any] = {"source": SOURCE, "type": topic.event_type, "subject": data.branch_id}
    assert {k: getattr(event, k) for k in expected} == expected and event.id == ids[0]
    assert event.data == data
    reference = new_event(topic, data, source=SOURCE, event_id=ids[0]).model_copy(update={"time": event.time})
    assert value == encode(reference), "byte for byte what encode(new_event(...)) gives"
    assert id_hint(value) == ids[0], "the consumer reads the id from the bytes without decoding"


def test_every_event_gets_its_own_id() -> None:
    data = next(iter(samples().values()))
    topic = _topic_of(data)
    writer = EnvelopeWriter(SOURCE)
    ids = {json.loads(writer.value(topic, data))["id"] for _ in range(50)}
    assert len(ids) == 50


def test_a_bad_source_or_wrong_data_fails_as_the_models_do() -> None:
    data = next(iter(samples().values()))
    topic = _topic_of(data)
    with pytest.raises(ValidationError):
        EnvelopeWriter("not a source").value(topic, data)
    other = next(t for t in ALL_TOPICS if t.model is not topic.model)
    writer = EnvelopeWriter(SOURCE)
    writer.value(topic, data)
    with pytest.raises(TypeError):
        writer.value(other, data)


def test_data_of_a_subclass_takes_the_models_path(monkeypatch: pytest.MonkeyPatch) -> None:
    data = next(iter(samples().values()))
    topic = _topic_of(data)
    sub = type("Extended", (type(data),), {"__annotations__": {"extra": str}, "extra": "x"})
    extended = sub(**data.model_dump())
    writer = EnvelopeWriter(SOURCE)
    writer.value(topic, data)
    calls: list[str] = []
    real = envelope_bytes.new_event

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append("model")
        return real(*args, **kwargs)

    monkeypatch.setattr(envelope_bytes, "new_event", counted)
    value = writer.value(topic, extended)
    assert calls == ["model"]
    assert decode(topic, value).data == data
