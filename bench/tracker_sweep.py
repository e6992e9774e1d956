"""The tracker's thresholds swept on real footage, one detector: which start floor, low score and coasting time a
model should get (services/queue/vision/domain/tuning.py holds what was chosen).

Every combination of ``--high`` (boxes from it start and confirm tracks), ``--low`` (boxes from it up to there
may only extend a track) and ``--coast`` (seconds a missed track is still reported) runs the service's analysis
(bench/counting.py ``run_sequence``: tracker, line counters, the metrics of the counting bench) over the
``--mot`` sequences, pooled. The detections come from the counting bench's cache (``--detections-cache``; the
first run fills it), so a combination costs the tracking only. A combination qualifies when its pooled track
precision is at least ``--min-precision`` and it misses no more line crossings than ``--max-line-misses``
(unset: no limit); of those, the chosen one has the most recall + IDF1. Sweep on the tuning sequences only, then
run ``bench.counting`` with the chosen values on the held-out ones. The sweep pairs boxes alone (appearance weight
0, the frames are not read), as when MoveNet's thresholds were chosen; the colour weight came after, on the same
pair, with ``bench.counting --appearance-weight`` (domain/tuning.py).

Command that chose MoveNet's (2026-12-07): ``python -m bench.tracker_sweep --mot F/MOT16-09 --mot F/TUD-Campus
--model movenet --detector 384:0.3:auto --detections-cache F/cache --high 0.4,0.45,0.5,0.55,0.6
--low 0.1,0.15,0.2,0.3,0.35,0.4,0.45,0.5,0.6 --coast 0.2,0.3,0.4,0.5,0.7 --min-precision 0.91
--max-line-misses 2 --result tracker_sweep_movenet``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import counting
from bench.common import write_result
from bench.vision.mot_metrics import read_seqinfo
from services.queue.vision.domain.tuning import TrackingTuning


def grid(spec: str) -> list[float]:
    """``0.4,0.5``: values in (0, 1) for --high and --low, seconds > 0 for --coast (checked by the caller)."""
    try:
        values = [float(v) for v in spec.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{spec!r}: need comma-separated numbers") from None
    if not values:
        raise argparse.ArgumentTypeError(f"{spec!r}: need at least one number")
    return values


def line_misses(runs: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """Crossings counted wrong (|ours - truth| per direction, summed over lines and sequences) and the truth."""
    wrong = sum(
        abs(o - g) for run in runs for line in run["lines"] for o, g in zip(line["ours"], line["gt"], strict=True)
    )
    return wrong, sum(g for run in runs for line in run["lines"] for g in line["gt"])


def evaluate(
    infos: Sequence[Any],
    setting: counting.Setting,
    lines: Sequence[str],
    cache: Path,
    high: float,
    low: float,
    coast: float,
) -> dict[str, Any]:
    size, score, tiles = setting
    tuning = TrackingTuning(high_floor=high, low_score=low, coast_s=coast)
    runs = [
        counting.run_sequence(info, lines, size, score, None, False, cache, tiles, low, tuning=tuning) for info in infos
    ]
    tracks = counting.pool_tracking(runs)[0]["tracks"]
    wrong, truth = line_misses(runs)
    return {
        "high": high,
        "low": low,
        "coast_s": coast,
        "tracker_params": runs[0]["tracker_params"],
        "precision": tracks["precision"],
        "recall": tracks["recall"],
        "mota": tracks["mota"],
        "idf1": tracks["idf1"],
        "idsw": tracks["idsw"],
        "line_misses": wrong,
        "line_crossings": truth,
        "idf1_per_sequence": {run["sequence"]: run["tracks"]["idf1"] for run in runs},
    }


def choose(rows: Sequence[dict[str, Any]], min_precision: float, max_misses: int | None) -> dict[str, Any] | None:
    """The qualifying row (precision, line misses) with the most recall + IDF1; None when none qualifies."""
    fit = [
        r
        for r in rows
        if (r["precision"] or 0) >= min_precision and (max_misses is None or r["line_misses"] <= max_misses)
    ]
    return max(fit, key=lambda r: (r["recall"] or 0) + (r["idf1"] or 0), default=None)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.tracker_sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mot", action="append", type=Path, required=True, metavar="DIR", help="repeatable")
    parser.add_argument("--line", action="append", default=[], metavar="SPEC", help="as bench.counting (h and v)")
    parser.add_argument(
        "--first-frames",
        action="append",
        type=counting.parse_first_frames,
        default=[],
        metavar="N|NAME=N",
        help="as bench.counting: only the first N frames of every sequence or of the one named",
    )
    parser.add_argument("--model", choices=counting.MODELS, default=counting.MODELS[0])
    parser.add_argument(
        "--detector", type=counting.parse_setting, default=(300, 0.3, "auto"), metavar="SIZE:SCORE[:TILES]"
    )
    parser.add_argument("--detections-cache", type=Path, required=True, metavar="DIR")
    parser.add_argument("--high", type=grid, required=True, metavar="S,S,...", help="start floors")
    parser.add_argument("--low", type=grid, required=True, metavar="S,S,...", help="low scores")
    parser.add_argument("--coast", type=grid, default=[0.2], metavar="SECONDS,...", help="coasting times")
    parser.add_argument("--min-precision", type=float, default=0.9, help="pooled track precision to qualify")
    parser.add_argument("--max-line-misses", type=int, default=None, help="line crossings counted wrong at most")
    parser.add_argument("--result", default="tracker_sweep")
    args = parser.parse_args(argv)
    if not all(0 < v < 1 for v in args.high + args.low):
        parser.error("--high and --low take scores in (0, 1)")
    if not all(v > 0 for v in args.coast):
        parser.error("--coast takes seconds > 0")
    return args


def pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    wholes = [read_seqinfo(folder) for folder in args.mot]
    infos = [counting.first_frames(w, counting.frames_to_keep(w.name, args.first_frames)) for w in wholes]
    lines = args.line or ["h", "v"]
    rows = []
    print(f"{'high':>5}{'low':>6}{'coast':>6}{'trk P':>7}{'trk R':>7}{'MOTA':>7}{'IDF1':>7}{'IDSW':>6}{'line':>8}")
    with counting.using_model(args.model):
        for high, low, coast in itertools.product(args.high, args.low, args.coast):
            row = evaluate(infos, args.detector, lines, args.detections_cache, high, low, coast)
            rows.append(row)
            print(
                f"{high:>5g}{low:>6g}{coast:>6g}{pct(row['precision']):>7}{pct(row['recall']):>7}{pct(row['mota']):>7}"
                f"{pct(row['idf1']):>7}{row['idsw']:>6}{row['line_misses']:>4}/{row['line_crossings']:<3}"
            )
    chosen = choose(rows, args.min_precision, args.max_line_misses)
    print(
        "chosen: none qualifies"
        if chosen is None
        else f"chosen: high {chosen['high']:g}, low {chosen['low']:g}, coast {chosen['coast_s']:g} s "
        f"(precision >= {args.min_precision:g}, line misses <= {args.max_line_misses}, most recall + IDF1)"
    )
    payload = {
        "model": args.model,
        "detector": counting.setting_label(args.detector),
        "sequences": [info.name for info in infos],
        "lines": lines,
        "rule": {
            "min_precision": args.min_precision,
            "max_line_misses": args.max_line_misses,
            "maximise": "recall + idf1",
        },
        "rows": rows,
        "chosen": chosen,
    }
    print(f"wrote {write_result(args.result, payload)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
