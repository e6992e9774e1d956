"""When a stream must give a result or end: utterance length, stream length, audio without speech.

Counted in seconds of audio received (not wall time), so a fast client cannot dodge them and a slow
network does not trip them. Wall-clock idleness is the route's business (a timeout on receive).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    CONTINUE = "continue"
    FORCE_RESULT = "force_result"  # the utterance is too long: finish it now, keep listening
    CLOSE_STREAM_LIMIT = "stream_limit"
    CLOSE_NO_SPEECH = "no_speech"


@dataclass(frozen=True)
class StreamLimits:
    max_utterance_s: float
    max_stream_s: float
    no_speech_s: float


@dataclass
class StreamClock:
    limits: StreamLimits
    stream_s: float = 0.0
    utterance_s: float = 0.0
    since_words_s: float = 0.0

    def add_audio(self, samples: int, sample_rate: int) -> None:
        seconds = samples / sample_rate
        self.stream_s += seconds
        self.utterance_s += seconds
        self.since_words_s += seconds

    def heard_words(self) -> None:
        self.since_words_s = 0.0

    def utterance_ended(self) -> None:
        self.utterance_s = 0.0

    def verdict(self) -> Verdict:
        if self.stream_s >= self.limits.max_stream_s:
            return Verdict.CLOSE_STREAM_LIMIT
        if self.since_words_s >= self.limits.no_speech_s:
            return Verdict.CLOSE_NO_SPEECH
        if self.utterance_s >= self.limits.max_utterance_s:
            return Verdict.FORCE_RESULT
        return Verdict.CONTINUE

    def reason(self, verdict: Verdict) -> str:
        if verdict is Verdict.CLOSE_STREAM_LIMIT:
            return f"stream limit: {self.limits.max_stream_s:g} s of audio per connection"
        if verdict is Verdict.CLOSE_NO_SPEECH:
            return f"no speech for {self.limits.no_speech_s:g} s of audio"
        return ""
