"""The vosk-server protocol as the service reads it, stream limits and phrase lists (no engine needed)."""

from __future__ import annotations

import struct

import pytest

from services.voice.domain.asr.limits import StreamClock, StreamLimits, Verdict
from services.voice.domain.asr.phrases import build_grammar, grammar_json, split_phrase
from services.voice.domain.asr.protocol import (
    CLOSE_UNSUPPORTED_DATA,
    Eof,
    ProtocolError,
    StreamConfig,
    check_first_frame,
    check_pcm_frame,
    parse_text_message,
)


@pytest.mark.parametrize("text", ['{"eof" : 1}', '{"eof":1}', '{ "eof" :1 }', '\n{\t"eof"\n:\n1}\n'])
def test_eof_with_any_spacing(text: str) -> None:
    assert isinstance(parse_text_message(text), Eof)


def test_config_with_rate_phrases_and_language() -> None:
    command = parse_text_message('{"config": {"sample_rate": 48000, "phrase_list": ["是", "不是"], "lang": "zh"}}')
    assert command == StreamConfig(48000, ("是", "不是"), True, "zh", {})
    assert parse_text_message('{"config": {"sample_rate": 16000.0}}') == StreamConfig(16000)


@pytest.mark.parametrize(
    "config",
    [
        '{"config": {"sample_rate": 100}}',
        '{"config": {"sample_rate": 96000}}',
        '{"config": {"sample_rate": "16k"}}',
        '{"config": {"sample_rate": 16000.5}}',
        '{"config": {"sample_rate": true}}',
        '{"config": {"phrase_list": "yes"}}',
        '{"config": {"lang": "fr"}}',
    ],
)
def test_bad_configs_are_refused_with_a_reason(config: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse_text_message(config)
    assert refused.value.code == CLOSE_UNSUPPORTED_DATA
    assert refused.value.reason


@pytest.mark.parametrize("text", ["EOF", "[1, 2]", '{"hello": 1}', "{not json"])
def test_other_text_is_refused(text: str) -> None:
    with pytest.raises(ProtocolError):
        parse_text_message(text)


@pytest.mark.parametrize(
    "frame",
    [
        b"OggS\x00\x02" + b"\x00" * 30,
        b"ID3\x04" + b"\x00" * 30,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 8,
        b"fLaC" + b"\x00" * 10,
    ],
)
def test_compressed_or_non_audio_data_is_not_pcm(frame: bytes) -> None:
    with pytest.raises(ProtocolError, match="not PCM16"):
        check_first_frame(frame)


def test_odd_length_frames_are_not_pcm16() -> None:
    with pytest.raises(ProtocolError, match="odd length"):
        check_pcm_frame(b"\x00\x01\x02")
    assert check_first_frame(b"\x00\x01").payload == b"\x00\x01"


def _wav(rate: int, channels: int = 1, bits: int = 16, samples: bytes = b"\x01\x00" * 4) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_a_wav_header_is_read_and_stripped() -> None:
    first = check_first_frame(_wav(22050))
    assert first.wav_sample_rate == 22050
    assert first.payload == b"\x01\x00" * 4


def test_a_stereo_or_8_bit_wav_is_refused() -> None:
    with pytest.raises(ProtocolError, match="PCM16 mono"):
        check_first_frame(_wav(16000, channels=2))
    with pytest.raises(ProtocolError, match="PCM16 mono"):
        check_first_frame(_wav(16000, bits=8))


def test_stream_clock_forces_a_result_then_closes() -> None:
    clock = StreamClock(StreamLimits(max_utterance_s=5, max_stream_s=20, no_speech_s=8))
    clock.add_audio(16000 * 4, 16000)
    clock.heard_words()
    assert clock.verdict() is Verdict.CONTINUE
    clock.add_audio(16000, 16000)
    assert clock.verdict() is Verdict.FORCE_RESULT
    clock.utterance_ended()
    clock.add_audio(16000 * 2, 16000)
    assert clock.verdict() is Verdict.CONTINUE
    clock.add_audio(16000 * 5, 16000)
    assert clock.verdict() is Verdict.CLOSE_NO_SPEECH
    assert "no speech" in clock.reason(Verdict.CLOSE_NO_SPEECH)
    clock.heard_words()
    clock.utterance_ended()
    clock.add_audio(16000 * 4, 16000)
    assert clock.verdict() is Verdict.CONTINUE
    clock.add_audio(16000 * 4, 16000)
    assert clock.verdict() is Verdict.CLOSE_STREAM_LIMIT


VOCAB = {"确认", "转账", "不", "是", "不是", "取消", "yes", "no", "[unk]", "确", "认"}


def test_phrases_are_split_into_the_fewest_model_words() -> None:
    assert split_phrase("确认转账", VOCAB.__contains__) == ["确认", "转账"]
    assert split_phrase("不是", VOCAB.__contains__) == ["不是"]
    assert split_phrase("Yes", VOCAB.__contains__) == ["yes"]
    assert split_phrase("转人工", VOCAB.__contains__) is None
    assert split_phrase("maybe", VOCAB.__contains__) is None


def test_grammar_leaves_out_unknown_phrases_and_adds_unk() -> None:
    grammar, dropped = build_grammar(["确认转账", "是", "转人工", "yes"], VOCAB.__contains__)
    assert grammar == ["确认 转账", "是", "yes", "[unk]"]
    assert dropped == ["转人工"]
    assert grammar_json(["确认"]) == '["确认"]'  # literal characters: Vosk does not decode \u escapes
