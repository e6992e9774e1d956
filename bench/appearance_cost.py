"""What the tracker's colour signatures cost per analysed frame (issue 20): on real footage scaled to 640x360,
the annotated people's boxes as the frame's detections, the tracker alone with colours off, and with colours on
(signatures taken from the frame, then the tracker), alternating in one process, CPU time, best of ``--repeat``.

Usage: python -m bench.appearance_cost --mot F/MOT16-09 [--mot ...] [--frames 200] [--repeat 3]
[--result appearance_cost]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import cv2

from bench.common import machine, write_result
from bench.vision.mot_metrics import clip_box, read_gt, read_seqinfo
from services.queue.vision.adapters.appearance import with_appearance
from services.queue.vision.domain.geometry import Box
from services.queue.vision.domain.tracker import Detection, Tracker, TrackerParams
from services.queue.vision.domain.tuning import APPEARANCE_WEIGHT

SIZE = (640, 360)


def sequence_frames(folder: Path, count: int) -> list[tuple[Any, list[Detection]]]:
    """The first ``count`` frames at 640x360 with their annotated pedestrians as detections (score 0.9)."""
    info = read_seqinfo(folder)
    gt = read_gt(folder / "gt" / "gt.txt")
    sx, sy = SIZE[0] / info.width, SIZE[1] / info.height
    out = []
    for frame in range(1, min(count, info.length) + 1):
        image = cv2.resize(cv2.imread(str(info.image_path(frame))), SIZE, interpolation=cv2.INTER_AREA)
        people = []
        for row in gt.get(frame, []):
            b = row.box
            box = clip_box(Box(b.x1 * sx, b.y1 * sy, b.x2 * sx, b.y2 * sy), *SIZE) if row.is_target else None
            if box is not None and box.width > 1 and box.height > 1:
                people.append(Detection(box, 0.9))
        out.append((image, people))
    return out


def track_ms(frames: list[tuple[Any, list[Detection]]], weight: float) -> float:
    """CPU ms per frame of (signatures and) the tracker over the frames."""
    tracker = Tracker(TrackerParams(fps=25, max_lost=75, max_coast=5, appearance_weight=weight))
    started = time.process_time()
    for i, (image, people) in enumerate(frames):
        tracker.update(with_appearance(image, people) if weight > 0 else people, i / 25)
    return (time.process_time() - started) * 1000 / len(frames)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.appearance_cost", description=__doc__)
    parser.add_argument("--mot", type=Path, action="append", required=True, metavar="DIR")
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--weight", type=float, default=APPEARANCE_WEIGHT, help="the colour share (the service's)")
    parser.add_argument("--result", default="appearance_cost")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    rows = []
    print(f"{'sequence':<16}{'people/frame':>13}{'boxes ms':>10}{'colours ms':>12}{'extra ms':>10}")
    for folder in args.mot:
        frames = sequence_frames(folder, args.frames)
        off, on = [], []
        for _ in range(args.repeat):
            off.append(track_ms(frames, 0.0))
            on.append(track_ms(frames, args.weight))
        people = sum(len(p) for _, p in frames) / len(frames)
        row = {
            "sequence": folder.name,
            "frames": len(frames),
            "people_per_frame": round(people, 1),
            "boxes_only_ms": round(min(off), 2),
            "with_colours_ms": round(min(on), 2),
            "extra_ms": round(min(on) - min(off), 2),
        }
        rows.append(row)
        print(
            f"{row['sequence']:<16}{row['people_per_frame']:>13}{row['boxes_only_ms']:>10}"
            f"{row['with_colours_ms']:>12}{row['extra_ms']:>10}"
        )
    path = write_result(args.result, {"machine": machine(), "size": list(SIZE), "weight": args.weight, "runs": rows})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
