"""Energy endpointing of the Whisper engine (domain/asr/endpointing.py): values in, events out."""

from __future__ import annotations

from services.voice.domain.asr.endpointing import EndpointConfig, Endpointer, Event, frame_level_db

SILENCE, SPEECH, HUM = -80.0, -20.0, -45.0


def frames(level: float, seconds: float) -> list[float]:
    return [level] * round(seconds / 0.01)


def test_frame_levels_in_dbfs() -> None:
    assert frame_level_db([]) == -100.0
    assert frame_level_db([0, 0, 0]) == -100.0
    assert abs(frame_level_db([32767, -32767]) - 0.0) < 0.01
    assert abs(frame_level_db([3277, -3277]) - (-20.0)) < 0.1


def test_speech_starts_after_min_speech_and_ends_after_the_silence() -> None:
    endpointer = Endpointer(EndpointConfig(min_speech_s=0.15, end_silence_s=0.7))
    assert endpointer.feed(frames(SILENCE, 1.0)) is Event.NONE
    assert endpointer.feed(frames(SPEECH, 0.1)) is Event.NONE, "100 ms is not yet speech"
    assert endpointer.feed(frames(SPEECH, 0.1)) is Event.SPEECH_STARTED
    assert endpointer.feed(frames(SPEECH, 1.0)) is Event.NONE
    assert endpointer.feed(frames(SILENCE, 0.5)) is Event.NONE, "a pause inside the utterance"
    assert endpointer.feed(frames(SPEECH, 0.3)) is Event.NONE
    assert endpointer.feed(frames(SILENCE, 0.69)) is Event.NONE
    assert endpointer.feed(frames(SILENCE, 0.02)) is Event.ENDPOINT
    assert endpointer.speech_s > 1.4
    endpointer.reset()
    assert not endpointer.in_speech and endpointer.feed(frames(SILENCE, 2.0)) is Event.NONE


def test_a_click_is_not_speech() -> None:
    endpointer = Endpointer()
    for _ in range(20):
        assert endpointer.feed(frames(SPEECH, 0.05) + frames(SILENCE, 0.2)) is Event.NONE
    assert not endpointer.in_speech


def test_a_steady_hum_becomes_the_noise_floor() -> None:
    endpointer = Endpointer(EndpointConfig(speech_margin_db=12.0, min_level_db=-50.0))
    endpointer.feed(frames(SILENCE, 0.5))
    endpointer.feed(frames(HUM, 15.0))  # the floor climbs 3 dB/s to the hum
    endpointer.reset()
    assert endpointer.feed(frames(HUM, 2.0)) is Event.NONE and not endpointer.in_speech
    assert endpointer.feed(frames(SPEECH, 0.3)) is Event.SPEECH_STARTED, "speech well above the hum still counts"


def test_quiet_sounds_are_never_speech() -> None:
    endpointer = Endpointer(EndpointConfig(min_level_db=-50.0))
    assert endpointer.feed(frames(-100.0, 1.0) + frames(-55.0, 1.0)) is Event.NONE


def test_partials_are_due_after_the_first_wait_then_each_interval() -> None:
    endpointer = Endpointer(EndpointConfig(min_speech_s=0.1, first_partial_s=0.4, partial_interval_s=1.0))
    assert not endpointer.partial_due()
    endpointer.feed(frames(SPEECH, 0.3))
    assert not endpointer.partial_due()
    endpointer.feed(frames(SPEECH, 0.1))
    assert endpointer.partial_due()
    endpointer.partial_done()
    endpointer.feed(frames(SPEECH, 0.9))
    assert not endpointer.partial_due()
    endpointer.feed(frames(SPEECH, 0.1))
    assert endpointer.partial_due()


def test_a_stream_that_starts_mid_speech_still_finds_it() -> None:
    endpointer = Endpointer(EndpointConfig(min_speech_s=0.15))
    assert endpointer.feed(frames(SPEECH, 0.3)) is Event.SPEECH_STARTED
