"""Benchmark of the voice NLU (issue #7): intent accuracy, macro-F1, BANKING77 accuracy and latency.

    .venv/bin/python bench/nlu.py            # prints a table, writes bench/results/nlu.json

Rows:
* kiosk held-out: the packaged corpus split by ``held_out_split`` (seed 7, 20% per intent and language,
  near-duplicate groups kept on one side); the engine is trained on the rest plus the train-only supplement
  (``train_*.txt``, never split), less any supplement utterance that equals a held-out one after normalisation
  or is a near copy of one (``without_near_copies``; the count dropped is reported).
* kiosk other seeds: the same split with seeds 1-5 instead of 7 (informational): how much the score depends on
  which utterances happen to be held out.
* banking77: the same classifier configuration trained on train.csv, tested on test.csv (skipped cleanly
  when the data set is in neither bench/data/banking77 nor ../shared/data/banking77).
* latency: p50/p99 of ``NluEngine.analyse`` (classification + slots) over the held-out utterances.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.voice.domain.nlu.classifier import ClassifierConfig, IntentClassifier  # noqa: E402
from services.voice.domain.nlu.corpus import (  # noqa: E402
    Example,
    held_out_split,
    load_corpus,
    load_training_supplement,
    without_near_copies,
)
from services.voice.domain.nlu.engine import NluEngine  # noqa: E402

BANKING77_CANDIDATES = (ROOT / "bench" / "data" / "banking77", ROOT.parent / "shared" / "data" / "banking77")
RESULTS = ROOT / "bench" / "results" / "nlu.json"
TODAY = date(2024, 5, 8)
LATENCY_ROUNDS = 3
OTHER_SEEDS = (1, 2, 3, 4, 5)


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    scores = []
    for label in sorted(set(truth)):
        true_positive = sum(t == label and p == label for t, p in zip(truth, predicted, strict=True))
        predicted_count = sum(p == label for p in predicted)
        actual_count = sum(t == label for t in truth)
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / actual_count if actual_count else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return statistics.fmean(scores)


def accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def with_supplement(train: list[Example], held_out: list[Example], supplement: list[Example]) -> list[Example]:
    """The split's training part plus the supplement utterances that are not near copies of held-out ones."""
    return train + without_near_copies(supplement, held_out)


def kiosk_rows(
    train: list[Example], held_out: list[Example], supplement: list[Example]
) -> tuple[dict[str, object], NluEngine]:
    kept = without_near_copies(supplement, held_out)
    started = time.perf_counter()
    engine = NluEngine.from_examples(train + kept)
    train_seconds = time.perf_counter() - started
    truth = [e.intent for e in held_out]
    predicted = [engine.analyse(e.text, TODAY).intent for e in held_out]
    row: dict[str, object] = {
        "train_utterances": len(train),
        "supplement_utterances": len(kept),
        "supplement_dropped_near_copies": len(supplement) - len(kept),
        "held_out_utterances": len(held_out),
        "train_seconds": round(train_seconds, 2),
        "accuracy": round(accuracy(truth, predicted), 4),
        "macro_f1": round(macro_f1(truth, predicted), 4),
    }
    for lang in ("zh", "en"):
        pairs = [(t, p) for t, p, e in zip(truth, predicted, held_out, strict=True) if e.lang == lang]
        row[f"accuracy_{lang}"] = round(accuracy([t for t, _ in pairs], [p for _, p in pairs]), 4)
    row["errors"] = [
        {"text": e.text, "expected": t, "got": p} for t, p, e in zip(truth, predicted, held_out, strict=True) if t != p
    ]
    return row, engine


def other_seeds_row(corpus: list[Example], supplement: list[Example]) -> dict[str, object]:
    """Held-out accuracy of the same engine on the same kind of split drawn with other seeds."""
    scores = {}
    for seed in OTHER_SEEDS:
        train, held_out = held_out_split(corpus, seed=seed)
        engine = NluEngine.from_examples(with_supplement(train, held_out, supplement))
        scores[str(seed)] = round(
            accuracy([e.intent for e in held_out], [engine.analyse(e.text, TODAY).intent for e in held_out]), 4
        )
    return {"accuracy_by_seed": scores, "mean_accuracy": round(statistics.fmean(scores.values()), 4)}


def banking77_row() -> dict[str, object]:
    folder = next((f for f in BANKING77_CANDIDATES if (f / "train.csv").is_file()), None)
    if folder is None:
        return {"skipped": "banking77 not found in " + ", ".join(str(f) for f in BANKING77_CANDIDATES)}

    def read(name: str) -> tuple[list[str], list[str]]:
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        return [r["text"] for r in rows], [r["category"] for r in rows]

    train_texts, train_labels = read("train.csv")
    test_texts, test_labels = read("test.csv")
    started = time.perf_counter()
    classifier = IntentClassifier(train_texts, train_labels, ClassifierConfig())
    train_seconds = time.perf_counter() - started
    predicted = [p.intent for p in classifier.predict_many(test_texts)]
    return {
        "source": str(folder),
        "train": len(train_texts),
        "test": len(test_texts),
        "train_seconds": round(train_seconds, 2),
        "accuracy": round(accuracy(test_labels, predicted), 4),
        "macro_f1": round(macro_f1(test_labels, predicted), 4),
    }


def latency_row(engine: NluEngine, texts: Sequence[str]) -> dict[str, object]:
    engine.analyse(texts[0], TODAY)  # warm-up
    timings = []
    for _ in range(LATENCY_ROUNDS):
        for text in texts:
            started = time.perf_counter()
            engine.analyse(text, TODAY)
            timings.append((time.perf_counter() - started) * 1000)
    return {
        "calls": len(timings),
        "p50_ms": round(percentile(timings, 0.5), 3),
        "p99_ms": round(percentile(timings, 0.99), 3),
        "max_ms": round(max(timings), 3),
    }


def machine() -> dict[str, object]:
    cpu = platform.processor() or "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version()}


def main() -> int:
    corpus = load_corpus()
    supplement = load_training_supplement()
    train, held_out = held_out_split(corpus)
    kiosk, engine = kiosk_rows(train, held_out, supplement)
    other_seeds = other_seeds_row(corpus, supplement)
    banking = banking77_row()
    latency = latency_row(engine, [e.text for e in held_out])
    info = machine()
    results = {
        "machine": info,
        "today": TODAY.isoformat(),
        "kiosk_held_out": kiosk,
        "kiosk_other_seeds": other_seeds,
        "banking77": banking,
        "latency": latency,
        "targets": {"kiosk_accuracy": 0.95, "banking77_accuracy": 0.91, "p99_ms": 20.0},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"machine: nproc={info['nproc']} cpu={info['cpu']} python={info['python']}")
    print(f"{'row':<22}{'value':>12}  {'target':>10}  {'met':>4}")

    def line(name: str, value: object, target: str = "", met: bool | None = None) -> None:
        verdict = "" if met is None else ("yes" if met else "NO")
        print(f"{name:<22}{value!s:>12}  {target:>10}  {verdict:>4}")

    line("kiosk train / held", f"{kiosk['train_utterances']}/{kiosk['held_out_utterances']}")
    line("kiosk supplement", f"{kiosk['supplement_utterances']}")
    line("suppl. near copies", f"{kiosk['supplement_dropped_near_copies']} dropped")
    line("kiosk train s", kiosk["train_seconds"])
    line("kiosk accuracy", kiosk["accuracy"], ">= 0.95", float(str(kiosk["accuracy"])) >= 0.95)
    line("kiosk accuracy zh", kiosk["accuracy_zh"])
    line("kiosk accuracy en", kiosk["accuracy_en"])
    line("kiosk macro-F1", kiosk["macro_f1"])
    line("kiosk acc seeds 1-5", other_seeds["mean_accuracy"])
    if "skipped" in banking:
        line("banking77", "skipped")
    else:
        line("banking77 accuracy", banking["accuracy"], ">= 0.91", float(str(banking["accuracy"])) >= 0.91)
        line("banking77 macro-F1", banking["macro_f1"])
        line("banking77 train s", banking["train_seconds"])
    line("latency p50 ms", latency["p50_ms"])
    line("latency p99 ms", latency["p99_ms"], "<= 20", float(str(latency["p99_ms"])) <= 20.0)
    print(f"written: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
