"""The vosk-server WebSocket protocol, client side in: a JSON config, binary PCM16 mono, ``{"eof" : 1}``.

    {"config": {"sample_rate": 48000}}              optional first message (default: the model's rate)
    {"config": {"sample_rate": 16000, "phrase_list": ["是", "不是"], "words": true, "lang": "zh"}}
    <binary PCM16 little-endian mono>                any number of frames
    {"eof" : 1}                                      any spacing; the server answers the final result

Server replies: ``{"partial": "..."}`` while speaking, ``{"result": [...], "text": "..."}`` at an endpoint.
Anything else closes the connection with a WebSocket close code and a one-line reason.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field

MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 48000
MAX_PHRASES = 500
MAX_PHRASE_CHARS = 100
MAX_TEXT_MESSAGE_CHARS = 64 * 1024

# WebSocket close codes (RFC 6455 section 7.4.1 and the IANA registry).
CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
CLOSE_TRY_AGAIN_LATER = 1013

_NOT_PCM_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"OggS", "Ogg/Opus"),
    (b"ID3", "MP3"),
    (b"\xff\xfb", "MP3"),
    (b"\xff\xf3", "MP3"),
    (b"fLaC", "FLAC"),
    (b"\x1aE\xdf\xa3", "WebM/Matroska"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP"),
)


class ProtocolError(Exception):
    """The client broke the protocol: close with ``code`` and ``reason`` (at most 123 bytes on the wire)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class StreamConfig:
    sample_rate: int | None = None
    phrase_list: tuple[str, ...] | None = None
    words: bool = True
    lang: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Eof:
    pass


ClientCommand = StreamConfig | Eof


def parse_text_message(text: str) -> ClientCommand:
    """One text frame of the client: a config or the end of the stream."""
    if len(text) > MAX_TEXT_MESSAGE_CHARS:
        raise ProtocolError(CLOSE_TOO_BIG, "text message too long")
    try:
        message = json.loads(text)
    except json.JSONDecodeError:
        raise ProtocolError(CLOSE_UNSUPPORTED_DATA, 'text messages must be JSON: a config or {"eof" : 1}') from None
    if not isinstance(message, dict):
        raise ProtocolError(CLOSE_UNSUPPORTED_DATA, "a text message must be a JSON object")
    if "eof" in message:
        return Eof()
    if "config" in message and isinstance(message["config"], dict):
        return parse_config(message["config"])
    raise ProtocolError(CLOSE_UNSUPPORTED_DATA, 'expected {"config": {...}} or {"eof" : 1}')


def parse_config(config: dict[str, object]) -> StreamConfig:
    rate = config.get("sample_rate")
    sample_rate: int | None = None
    if rate is not None:
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate != int(rate):
            raise ProtocolError(CLOSE_UNSUPPORTED_DATA, "sample_rate must be an integer number of Hz")
        sample_rate = int(rate)
        if not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
            raise ProtocolError(
                CLOSE_UNSUPPORTED_DATA, f"sample_rate {sample_rate} outside {MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE} Hz"
            )
    phrases = config.get("phrase_list", config.get("grammar"))
    phrase_list: tuple[str, ...] | None = None
    if phrases is not None:
        if (
            not isinstance(phrases, list)
            or len(phrases) > MAX_PHRASES
            or not all(isinstance(p, str) and 0 < len(p) <= MAX_PHRASE_CHARS for p in phrases)
        ):
            raise ProtocolError(CLOSE_UNSUPPORTED_DATA, f"phrase_list must be up to {MAX_PHRASES} non-empty strings")
        phrase_list = tuple(phrases)
    lang = config.get("lang")
    if lang is not None and lang not in ("zh", "en"):
        raise ProtocolError(CLOSE_UNSUPPORTED_DATA, "lang must be zh or en")
    words = bool(config.get("words", True))
    known = {"sample_rate", "phrase_list", "grammar", "lang", "words"}
    extra = {k: v for k, v in config.items() if k not in known}
    return StreamConfig(sample_rate, phrase_list, words, lang if isinstance(lang, str) else None, extra)


@dataclass(frozen=True)
class FirstFrame:
    payload: bytes
    wav_sample_rate: int | None = None


def check_first_frame(frame: bytes) -> FirstFrame:
    """Refuse compressed or non-audio data; accept a WAV header (PCM16 mono) and strip it."""
    for magic, kind in _NOT_PCM_MAGIC:
        if frame.startswith(magic):
            raise ProtocolError(CLOSE_UNSUPPORTED_DATA, f"{kind} data is not PCM16; send raw 16-bit mono samples")
    if frame.startswith(b"RIFF") and frame[8:12] == b"WAVE":
        return _strip_wav_header(frame)
    return FirstFrame(check_pcm_frame(frame))


def check_pcm_frame(frame: bytes) -> bytes:
    if len(frame) % 2:
        raise ProtocolError(CLOSE_UNSUPPORTED_DATA, "binary frame of odd length is not PCM16")
    return frame


def _strip_wav_header(frame: bytes) -> FirstFrame:
    offset = 12
    rate: int | None = None
    while offset + 8 <= len(frame):
        chunk_id, size = frame[offset : offset + 4], struct.unpack("<I", frame[offset + 4 : offset + 8])[0]
        body = offset + 8
        if chunk_id == b"fmt " and body + 16 <= len(frame):
            fmt, channels, rate, _, _, bits = struct.unpack("<HHIIHH", frame[body : body + 16])
            if fmt not in (1, 0xFFFE) or channels != 1 or bits != 16:
                raise ProtocolError(
                    CLOSE_UNSUPPORTED_DATA, f"WAV must be PCM16 mono (got format {fmt}, {channels} ch, {bits} bit)"
                )
        elif chunk_id == b"data":
            if rate is None:
                break
            if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
                raise ProtocolError(CLOSE_UNSUPPORTED_DATA, f"WAV sample rate {rate} not supported")
            return FirstFrame(check_pcm_frame(frame[body : body + (len(frame) - body) // 2 * 2]), rate)
        offset = body + size + (size & 1)
    raise ProtocolError(CLOSE_UNSUPPORTED_DATA, "WAV header incomplete: send it with its fmt and data chunks")


def result_has_words(result: dict[str, object]) -> bool:
    text = result.get("text") or result.get("partial")
    return isinstance(text, str) and bool(text.strip())
