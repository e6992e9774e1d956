"""Whisper (whisper-base, CTranslate2 int8 through faster-whisper) behind the streaming recognizer interface.

Whisper decodes whole utterances, so streaming is built around it: an energy endpointer
(``domain/asr/endpointing.py``) finds where an utterance starts and ends; while speech goes on the growing
utterance is re-decoded greedily at most every ``partial_interval_s`` of audio for ``{"partial": ...}``; at the
endpoint (or eof, or the forced result of the stream limits) it is decoded once more with ``beam_size`` for the
result. Silero VAD (shipped inside the faster-whisper package, run by onnxruntime, offline) must find speech in
the audio before any decode, so noise and silence give an empty text instead of Whisper's invented sentences.

Cost: the encoder is given the utterance plus ``pad_s`` (2 s) of silence instead of Whisper's fixed 30 s window
(CTranslate2 accepts the shorter input), which makes a decode of a short utterance 5-10x cheaper on CPU; see
docs/voice-asr.md for the measured effect on accuracy. All calls are blocking: the streaming loop runs them in
the ASR executor. One ``WhisperEngine`` per process (about 150 MB), shared by every stream; CTranslate2 runs
``workers`` decodes in parallel with ``cpu_threads`` threads each.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from services.voice.domain.asr.endpointing import FRAME_S, EndpointConfig, Endpointer, Event
from services.voice.domain.asr.transcript_text import tidy

log = logging.getLogger(__name__)
MODEL_RATE = 16000
MAX_WINDOW_S = 30.0
"""Whisper's longest input: longer utterances are decoded in consecutive windows."""
PREROLL_S = 0.5
"""Audio kept before the detected speech onset (the endpointer needs 150 ms of speech to fire)."""
KEEP_SILENCE_S = 0.3
"""Trailing silence kept in a finished utterance."""
Audio = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Decoded:
    text: str
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0
    compute_s: float = 0.0

    @property
    def confidence(self) -> float:
        return round(math.exp(min(0.0, self.avg_logprob)), 3)


def _to_simplified_factory() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


class WhisperEngine:
    """The loaded model, its tokenizers and the Silero VAD; thread-safe (CTranslate2 queues the calls)."""

    def __init__(
        self,
        model_dir: Path | None,
        *,
        files: dict[str, bytes] | None = None,
        cpu_threads: int = 1,
        workers: int = 2,
        beam_size: int = 1,
        pad_s: float = 2.0,
        prompts: dict[str, str] | None = None,
    ) -> None:
        from faster_whisper import WhisperModel

        self.model = WhisperModel(
            str(model_dir) if model_dir is not None else "whisper-base",
            device="cpu",
            compute_type="int8",
            cpu_threads=cpu_threads,
            num_workers=workers,
            local_files_only=True,
            files=dict(files) if files is not None else None,  # in memory: model_dir is then only a name
        )
        self.beam_size = beam_size
        self.pad_s = pad_s
        self.prompts = dict(prompts or {})
        self._tokenizers: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._t2s = _to_simplified_factory()
        self._t2s_lock = threading.Lock()

    def to_simplified(self, text: str) -> str:
        with self._t2s_lock:  # the OpenCC object keeps state between calls
            return str(self._t2s.convert(text))

    def _tokenizer(self, lang: str) -> Any:
        with self._lock:
            if lang not in self._tokenizers:
                from faster_whisper.tokenizer import Tokenizer

                self._tokenizers[lang] = Tokenizer(self.model.hf_tokenizer, True, task="transcribe", language=lang)
            return self._tokenizers[lang]

    def has_speech(self, audio: Audio) -> bool:
        """Silero VAD finds at least one stretch of speech (about 1 ms of CPU per second of audio)."""
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        options = VadOptions(threshold=0.5, min_speech_duration_ms=200, min_silence_duration_ms=300)
        return bool(get_speech_timestamps(audio, options))

    def decode(self, audio: Audio, lang: str, *, beam_size: int | None = None, prompt: str | None = None) -> Decoded:
        """Text of 16 kHz mono float audio in ``lang`` (blocking)."""
        import time

        started = time.perf_counter()
        window = int(MAX_WINDOW_S * MODEL_RATE)
        pieces = [audio[i : i + window] for i in range(0, max(1, len(audio)), window)]
        texts: list[str] = []
        no_speech, logprob = 0.0, 0.0
        for piece in pieces:
            text, no_speech, logprob = self._decode_window(piece, lang, beam_size or self.beam_size, prompt)
            if text:
                texts.append(text)
        joiner = "" if lang == "zh" else " "
        return Decoded(joiner.join(texts), no_speech, logprob, time.perf_counter() - started)

    def _decode_window(self, audio: Audio, lang: str, beam_size: int, prompt: str | None) -> tuple[str, float, float]:
        import ctranslate2
        from faster_whisper.transcribe import get_suppressed_tokens

        tokenizer = self._tokenizer(lang)
        # Real silence after the audio (zero samples, not zero features), up to a whole second of frames.
        padded = math.ceil((len(audio) + self.pad_s * MODEL_RATE) / MODEL_RATE) * MODEL_RATE
        features = self.model.feature_extractor(audio, padding=max(160, padded - len(audio)))[:, :3000]
        encoded = self.model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None], dtype=np.float32)), to_cpu=False
        )
        tokens: list[int] = []
        prompt_text = prompt if prompt is not None else self.prompts.get(lang, "")
        if prompt_text:
            tokens = [tokenizer.sot_prev, *tokenizer.encode(" " + prompt_text.strip())[-223:]]
        tokens += [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        audio_s = len(audio) / MODEL_RATE
        result = self.model.model.generate(
            encoded,
            [tokens],
            beam_size=beam_size,
            # CTranslate2 counts the prompt in max_length: the room for the text comes on top of it
            max_length=min(448, len(tokens) + int(24 + 12 * audio_s)),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, (-1,)),
        )[0]
        ids = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
        score = float(result.scores[0]) if result.scores else 0.0
        avg_logprob = score * len(ids) / (len(ids) + 1)
        no_speech = float(result.no_speech_prob)
        if no_speech > 0.6 and avg_logprob < -1.0:  # Whisper's own rule for a window without speech
            return "", no_speech, avg_logprob
        return tidy(tokenizer.decode(ids), lang, self.to_simplified), no_speech, avg_logprob


def resample(audio: Audio, rate: int) -> Audio:
    """Linear resampling to 16 kHz (the input is speech; Whisper's own features start at 16 kHz)."""
    if rate == MODEL_RATE or not len(audio):
        return audio
    count = round(len(audio) * MODEL_RATE / rate)
    positions = np.linspace(0, len(audio) - 1, count)
    return np.interp(positions, np.arange(len(audio)), audio).astype(np.float32)


class WhisperRecognizer:
    """One stream's recognizer (the ``StreamRecognizer`` of domain/asr/recognizer.py) over a shared engine."""

    def __init__(
        self,
        engine: WhisperEngine,
        lang: str,
        sample_rate: int,
        *,
        words: bool = True,
        endpointing: EndpointConfig | None = None,
    ) -> None:
        self.engine = engine
        self.lang = lang
        self.sample_rate = sample_rate
        self.words = words
        self.closed = False
        self.reused = False
        self.endpointer = Endpointer(endpointing or EndpointConfig())
        self._frame = max(1, round(sample_rate * FRAME_S))
        self._carry = np.zeros(0, dtype=np.int16)
        self._chunks: list[Audio] = []
        self._buffered = 0
        self._heard = 0  # samples of this stream before the current utterance buffer
        self._partial = ""
        self.decode_s = 0.0
        self.decodes = 0

    def _append(self, samples: npt.NDArray[np.int16]) -> None:
        audio = samples.astype(np.float32) / 32768.0
        self._chunks.append(audio)
        self._buffered += len(audio)
        if not self.endpointer.in_speech:  # keep only the pre-roll before speech
            keep = int(PREROLL_S * self.sample_rate)
            if self._buffered > keep * 2:
                joined = np.concatenate(self._chunks)
                self._heard += len(joined) - keep
                self._chunks, self._buffered = [joined[-keep:]], keep

    def _levels(self, samples: npt.NDArray[np.int16]) -> list[float]:
        joined = np.concatenate([self._carry, samples]) if len(self._carry) else samples
        whole = len(joined) // self._frame * self._frame
        self._carry = joined[whole:]
        if not whole:
            return []
        frames = joined[:whole].astype(np.float64).reshape(-1, self._frame) / 32768.0
        power = np.maximum((frames * frames).mean(axis=1), 1e-10)
        return [float(x) for x in 10 * np.log10(power)]

    def accept(self, pcm: bytes) -> tuple[bool, dict[str, Any]]:
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.int16)
        self._append(samples)
        event = self.endpointer.feed(self._levels(samples))
        if event is Event.ENDPOINT:
            return True, self._result(trim_silence=True)
        if self.endpointer.partial_due():
            self.endpointer.partial_done()
            audio = self._utterance()
            if self.engine.has_speech(audio):
                decoded = self._decode(audio, beam_size=1)
                self._partial = decoded.text
        return False, {"partial": self._partial}

    def final(self) -> dict[str, Any]:
        return self._result(trim_silence=False)

    def _utterance(self) -> Audio:
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.float32)
        return resample(audio, self.sample_rate)

    def _decode(self, audio: Audio, *, beam_size: int | None = None) -> Decoded:
        decoded = self.engine.decode(audio, self.lang, beam_size=beam_size)
        self.decode_s += decoded.compute_s
        self.decodes += 1
        return decoded

    def _result(self, *, trim_silence: bool) -> dict[str, Any]:
        audio = self._utterance()
        if trim_silence:
            extra = self.endpointer.silence_s - KEEP_SILENCE_S
            if extra > 0:
                audio = audio[: max(0, len(audio) - int(extra * MODEL_RATE))]
        start_s = self._heard / self.sample_rate
        heard_speech = self.endpointer.in_speech or self._partial
        decoded = self._decode(audio) if heard_speech and self.engine.has_speech(audio) else Decoded("")
        self._heard += self._buffered
        self._chunks, self._buffered, self._partial = [], 0, ""
        self.endpointer.reset()
        result: dict[str, Any] = {"text": decoded.text}
        if self.words and decoded.text:
            end_s = start_s + len(audio) / MODEL_RATE
            pieces = list(decoded.text) if self.lang == "zh" else decoded.text.split()
            tokens = [t.strip('.,!?;:"()，。！？；：、') for t in pieces]  # words, as Vosk gives them: no punctuation
            result["result"] = [
                {"conf": decoded.confidence, "start": round(start_s, 3), "end": round(end_s, 3), "word": token}
                for token in tokens
                if token
            ]
        return result

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._chunks = []
