"""Utterance endpointing for engines that decode whole utterances (Whisper): an energy VAD over 10 ms frames.

Values in, values out: the adapter turns PCM into one level (dBFS) per frame and feeds them here; this module
says when speech started, when it ended (enough trailing silence after enough speech) and when a partial
re-decode is due. The noise floor adapts to the quietest recent frames, so a steady hum does not count as speech.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

FRAME_S = 0.01
"""Seconds of audio per level given to :meth:`Endpointer.feed`."""


class Event(Enum):
    NONE = "none"
    SPEECH_STARTED = "speech_started"
    ENDPOINT = "endpoint"


@dataclass(frozen=True)
class EndpointConfig:
    speech_margin_db: float = 12.0
    """A frame is speech when it is this much louder than the noise floor ..."""
    min_level_db: float = -50.0
    """... and louder than this absolute level (dBFS)."""
    min_speech_s: float = 0.15
    """Speech frames within the start window needed before an utterance begins."""
    end_silence_s: float = 0.7
    """Non-speech audio after speech that ends the utterance."""
    partial_interval_s: float = 1.0
    """Audio between two partial re-decodes of the growing utterance."""
    first_partial_s: float = 0.4
    """Speech heard before the first partial decode."""
    floor_init_db: float = -60.0
    floor_rise_db_per_s: float = 3.0
    """How fast the noise floor may climb when the level stays above it (falls are followed at once)."""


def frame_level_db(samples: Sequence[int]) -> float:
    """dBFS of PCM16 samples (-100 for digital silence)."""
    if not samples:
        return -100.0
    power = sum(s * s for s in samples) / len(samples)
    if power <= 0:
        return -100.0
    return max(-100.0, 10 * math.log10(power / (32768.0 * 32768.0)))


@dataclass
class Endpointer:
    """State of one stream: feed levels, read events; :meth:`reset` after each utterance result."""

    config: EndpointConfig = EndpointConfig()
    floor_db: float | None = None
    """Noise floor; None: ``floor_init_db`` (a stream may start mid-speech: the floor must not start there)."""
    in_speech: bool = False
    speech_s: float = 0.0
    silence_s: float = 0.0
    utterance_s: float = 0.0
    _onset_s: float = 0.0
    _since_partial_s: float = 0.0
    _partials: int = 0

    def is_speech(self, level_db: float) -> bool:
        floor = self.config.floor_init_db if self.floor_db is None else self.floor_db
        return level_db >= self.config.min_level_db and level_db >= floor + self.config.speech_margin_db

    def _track_floor(self, level_db: float) -> None:
        floor = self.config.floor_init_db if self.floor_db is None else self.floor_db
        if level_db < floor:
            self.floor_db = level_db
        else:
            self.floor_db = min(level_db, floor + self.config.floor_rise_db_per_s * FRAME_S)

    def feed(self, levels: Sequence[float]) -> Event:
        """Levels of consecutive 10 ms frames; the strongest event among them (an endpoint wins)."""
        event = Event.NONE
        for level in levels:
            speech = self.is_speech(level)
            self._track_floor(level)
            if self.in_speech:
                self.utterance_s += FRAME_S
                self._since_partial_s += FRAME_S
                if speech:
                    self.speech_s += FRAME_S
                    self.silence_s = 0.0
                else:
                    self.silence_s += FRAME_S
                    if self.silence_s >= self.config.end_silence_s:
                        return Event.ENDPOINT
            elif speech:
                self._onset_s += FRAME_S
                if self._onset_s >= self.config.min_speech_s:
                    self.in_speech = True
                    self.speech_s = self._onset_s
                    self.utterance_s = self._onset_s
                    self._since_partial_s = self._onset_s
                    event = Event.SPEECH_STARTED
            else:
                self._onset_s = max(0.0, self._onset_s - FRAME_S)
        return event

    def partial_due(self) -> bool:
        """True when a partial decode should run now (then call :meth:`partial_done`)."""
        if not self.in_speech:
            return False
        wanted = self.config.first_partial_s if self._partials == 0 else self.config.partial_interval_s
        return self._since_partial_s >= wanted

    def partial_done(self) -> None:
        self._partials += 1
        self._since_partial_s = 0.0

    def reset(self) -> None:
        """After a result: the next utterance starts from silence (the noise floor is kept)."""
        self.in_speech = False
        self.speech_s = self.silence_s = self.utterance_s = 0.0
        self._onset_s = self._since_partial_s = 0.0
        self._partials = 0
