"""``branchops voice nlu "TEXT" | voice nlu --file LINES.txt | voice transcribe WAV...`` (DESIGN.md section 5).

JSON on stdout: one input -> one object; several inputs -> one object per line, each carrying its input.
The CLI prints full slot values (it is the operator's tool); events and logs mask them. Heavy imports
(scikit-learn, vosk, faster-whisper) happen only inside the command that needs them. ``voice transcribe`` uses the
language's engine as the service does (VOICE_ASR_ENGINE_<LANG>; by default Whisper unless a Vosk model is set).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any


def _emit(objects: list[dict[str, Any]]) -> None:
    if len(objects) == 1:
        print(json.dumps(objects[0], ensure_ascii=False, indent=1))
    else:
        for obj in objects:
            print(json.dumps(obj, ensure_ascii=False))


def _nlu(args: argparse.Namespace) -> int:
    import datetime as dt

    from services.voice.domain.nlu import NluEngine

    texts: list[str] = list(args.text)
    if args.file:
        lines = Path(args.file).read_text(encoding="utf-8").splitlines()
        texts.extend(line for line in lines if line.strip())
    if not texts:
        print("branchops voice nlu: give a TEXT or --file LINES.txt", file=sys.stderr)
        return 2
    engine = NluEngine.from_corpus()
    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    _emit([engine.analyse(text, today).as_dict() for text in texts])
    return 0


def _model_dir(args: argparse.Namespace) -> str:
    if args.model:
        return str(args.model)
    configured = os.environ.get(f"VOICE_ASR_MODEL_{args.lang.upper()}", "")
    if not configured:
        raise ValueError(f"no ASR model: pass --model DIR or set VOICE_ASR_MODEL_{args.lang.upper()}")
    return configured


def _engine(args: argparse.Namespace) -> str:
    if args.model:
        return "vosk"
    if args.engine:
        return str(args.engine)
    from services.voice.adapters.asr_whisper_files import wheels_installed
    from services.voice.settings import VoiceSettings

    return VoiceSettings().asr_engine(args.lang, wheels_installed())


def _transcribe(args: argparse.Namespace) -> int:
    if _engine(args) == "whisper":
        return _transcribe_whisper(args)
    from services.voice.adapters.asr_vosk import RecognizerPool, load_model
    from services.voice.adapters.wav_files import read_wav
    from services.voice.usecases.transcription import transcribe_pcm

    model = load_model(_model_dir(args))  # once per command, like the recognizer pool
    pool = RecognizerPool(per_key=1)  # one recording at a time: a finished recognizer serves the next one
    results: list[dict[str, Any]] = []
    failed = False
    try:
        for path in args.wav:
            try:
                pcm, rate = read_wav(path)
            except (ValueError, OSError) as exc:
                results.append({"input": path, "error": str(exc)})
                failed = True
                continue
            transcript = transcribe_pcm(model, pcm, rate, pool=pool)
            results.append(
                {
                    "input": path,
                    "text": transcript.text,
                    "result": transcript.words,
                    "audio_s": round(transcript.audio_s, 3),
                    "sample_rate": rate,
                    "real_time_factor": round(transcript.real_time_factor, 3),
                }
            )
    finally:
        pool.clear()
    _emit(results)
    return 1 if failed else 0


def _transcribe_whisper(args: argparse.Namespace) -> int:
    from services.voice.adapters.asr_engines import load_whisper
    from services.voice.adapters.asr_whisper import WhisperRecognizer
    from services.voice.adapters.asr_whisper_files import WhisperModelError
    from services.voice.adapters.wav_files import read_wav
    from services.voice.settings import VoiceSettings
    from services.voice.usecases.transcription import transcribe_with

    try:
        engine = load_whisper(VoiceSettings())  # checks every model file against its pinned sha256 first
    except WhisperModelError as exc:
        print(f"branchops voice transcribe: {exc}", file=sys.stderr)
        return 2
    results: list[dict[str, Any]] = []
    failed = False
    for path in args.wav:
        try:
            pcm, rate = read_wav(path)
        except (ValueError, OSError) as exc:
            results.append({"input": path, "error": str(exc)})
            failed = True
            continue
        transcript = transcribe_with(WhisperRecognizer(engine, args.lang, rate), pcm, rate)
        results.append(
            {
                "input": path,
                "engine": "whisper",
                "text": transcript.text,
                "result": transcript.words,
                "audio_s": round(transcript.audio_s, 3),
                "sample_rate": rate,
                "real_time_factor": round(transcript.real_time_factor, 3),
            }
        )
    _emit(results)
    return 1 if failed else 0


def register(subparsers: Any) -> None:
    voice = subparsers.add_parser("voice", help="voice NLU and speech recognition (issue #7)")
    commands = voice.add_subparsers(dest="voice_command", required=True)
    nlu = commands.add_parser("nlu", help='intent and slots: voice nlu "TEXT" | voice nlu --file LINES.txt')
    nlu.add_argument("text", nargs="*", help="utterances (each one input)")
    nlu.add_argument("--file", default=None, help="a UTF-8 file with one utterance per line")
    nlu.add_argument("--today", default=None, help="anchor of relative dates, YYYY-MM-DD (default: today)")
    nlu.set_defaults(func=_nlu)
    transcribe = commands.add_parser("transcribe", help="speech to text of WAV files (PCM16 mono)")
    transcribe.add_argument("wav", nargs="+", help="WAV files")
    transcribe.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="language (and VOICE_ASR_ENGINE_/MODEL_<LANG>)"
    )
    transcribe.add_argument(
        "--engine", choices=("whisper", "vosk"), default=None, help="default: the service's choice for --lang"
    )
    transcribe.add_argument("--model", type=Path, default=None, help="Vosk model directory (overrides --lang)")
    transcribe.set_defaults(func=_transcribe)
