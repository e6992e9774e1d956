"""MOTChallenge-style sequences and the metrics the counting bench reports on them.

A sequence is a folder with ``seqinfo.ini``, ``img1/`` and ``gt/gt.txt`` (the MOTChallenge layout).
``gt.txt`` rows are ``frame, id, left, top, width, height, consider, class, visibility`` (MOT16/17/20,
9 columns) or ``frame, id, left, top, width, height, consider, x, y, z`` (2D MOT 2015, 10 columns, no
class: every row is a pedestrian).

Metrics follow the MOTChallenge devkit (TrackEval's ``MotChallenge2DBox`` preprocessing, ``CLEAR`` and
``Identity``), written small here:

- Ground truth is a row of class 1 (pedestrian) with its consider flag set. Before scoring, predictions
  that match (Hungarian, IoU >= 0.5) a box of a distractor class (2 person on vehicle, 7 static person,
  8 distractor, 12 reflection) are dropped: they count neither as TP nor as FP.
- Per frame, predictions are matched to ground truth at IoU >= 0.5 by a Hungarian assignment that first
  keeps last frame's pairs (no needless identity switch), then maximises IoU. TP, FP, FN per frame;
  precision = TP / (TP + FP), recall = TP / (TP + FN); an identity switch is a ground-truth person
  matched to another track id than at its last match; MOTA = 1 - (FN + FP + IDSW) / GT.
- Recall by visibility (MOT16/17/20 only, whose rows carry it): the same matches split between the people at
  least ``VISIBLE_AT`` visible and the rest (mostly hidden behind others), reported beside the recall of all,
  never instead of it. It tells what a detector misses of the people a camera can see.
- IDF1: every (ground-truth id, track id) pair gets the number of frames in which their boxes overlap
  at IoU >= 0.5; a bipartite assignment of ids maximises the sum (IDTP); IDF1 = 2 IDTP / (GT + predictions).

``gt_line_counts`` derives entered/exited from ground-truth trajectories for a counting line with the
pipeline's rule (a track's first side settles without a count; a change of side counts when the anchor
projects onto the segment) but no dead band and no debounce; optionally on the boxes clipped to the
frame, the only part of a person the pipeline can see.
"""

from __future__ import annotations

import configparser
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from services.queue.vision.domain.geometry import Anchor, Box, Line, iou_matrix

PEDESTRIAN = 1
DISTRACTOR_CLASSES = frozenset({2, 7, 8, 12})
IOU_THRESHOLD = 0.5
VISIBLE_AT = 0.5  # visibility (MOT16 gt column 9) from which a person counts as visible
_EPS = float(np.finfo(float).eps)
# Reserved for an independent evaluation: never measured by this bench (any PETS 2009 sequence).
REFUSED_PREFIXES = ("PETS09", "PETS2009", "PETS-2009", "PETS_2009")


class RefusedSequence(ValueError):
    """The sequence is reserved for independent evaluation and must not be measured here."""


@dataclass(frozen=True, slots=True)
class GtRow:
    track_id: int
    box: Box
    cls: int = PEDESTRIAN
    consider: bool = True
    visibility: float | None = None  # share of the person not hidden (MOT16/17/20); None when not annotated

    @property
    def is_target(self) -> bool:
        return self.consider and self.cls == PEDESTRIAN


@dataclass(frozen=True)
class SeqInfo:
    name: str
    folder: Path
    fps: float
    length: int
    width: int
    height: int
    im_dir: str = "img1"
    im_ext: str = ".jpg"

    def image_path(self, frame: int) -> Path:
        return self.folder / self.im_dir / f"{frame:06d}{self.im_ext}"


def check_allowed(name: str) -> None:
    upper = name.upper()
    if any(upper.startswith(prefix) for prefix in REFUSED_PREFIXES) or "S2L1" in upper:
        raise RefusedSequence(f"{name}: PETS 2009 footage is reserved for independent evaluation; not measured here")


def read_seqinfo(folder: Path) -> SeqInfo:
    """``seqinfo.ini`` of a MOTChallenge sequence folder; PETS 2009 sequences are refused."""
    check_allowed(folder.name)
    parser = configparser.ConfigParser()
    if not parser.read(folder / "seqinfo.ini", encoding="utf-8"):
        raise ValueError(f"{folder}: no seqinfo.ini")
    seq = parser["Sequence"]
    info = SeqInfo(
        name=seq.get("name", folder.name),
        folder=folder,
        fps=float(seq["frameRate"]),
        length=int(seq["seqLength"]),
        width=int(seq["imWidth"]),
        height=int(seq["imHeight"]),
        im_dir=seq.get("imDir", "img1"),
        im_ext=seq.get("imExt", ".jpg"),
    )
    check_allowed(info.name)
    return info


def parse_gt(lines: Iterable[str]) -> dict[int, list[GtRow]]:
    """Rows of a ``gt.txt`` by frame. 9 columns carry class and visibility; 10 columns (2D MOT 2015)
    carry world coordinates instead and every row is a pedestrian. Boxes without area are skipped."""
    by_frame: dict[int, list[GtRow]] = defaultdict(list)
    for raw in lines:
        parts = [p.strip() for p in raw.replace(" ", "").split(",") if p.strip()]
        if not parts:
            continue
        if len(parts) < 7:
            raise ValueError(f"gt row has {len(parts)} columns, need at least 7: {raw!r}")
        frame, ident = int(float(parts[0])), int(float(parts[1]))
        left, top, w, h = (float(v) for v in parts[2:6])
        consider = float(parts[6]) != 0
        cls = int(float(parts[7])) if len(parts) == 9 else PEDESTRIAN
        visibility = float(parts[8]) if len(parts) == 9 else None
        if w <= 0 or h <= 0:
            continue
        by_frame[frame].append(GtRow(ident, Box(left, top, left + w, top + h), cls, consider, visibility))
    return dict(by_frame)


def read_gt(path: Path) -> dict[int, list[GtRow]]:
    return parse_gt(path.read_text(encoding="utf-8").splitlines())


def _boxes(boxes: Sequence[Box]) -> np.ndarray:
    if not boxes:
        return np.zeros((0, 4))
    return np.array([[b.x1, b.y1, b.x2, b.y2] for b in boxes], dtype=np.float64)


def preprocess(gt: Sequence[GtRow], preds: Sequence[Box]) -> tuple[list[int], list[int]]:
    """Indices of the ground truth to score (pedestrians to consider) and of the predictions to score
    (all but those matched to a distractor-class box), as the MOTChallenge devkit does."""
    drop: set[int] = set()
    if gt and preds:
        sim = iou_matrix(_boxes([g.box for g in gt]), _boxes(preds))
        score = np.where(sim >= IOU_THRESHOLD - _EPS, sim, 0.0)
        rows, cols = linear_sum_assignment(-score)
        for r, c in zip(rows, cols, strict=True):
            if score[r, c] > _EPS and gt[r].cls in DISTRACTOR_CLASSES:
                drop.add(int(c))
    return [i for i, g in enumerate(gt) if g.is_target], [j for j in range(len(preds)) if j not in drop]


@dataclass
class VisibilityRecall:
    """Ground truth found (``tp``) out of all (``gt``), apart for the people at least ``VISIBLE_AT`` visible
    and the hidden rest; rows without a visibility annotation are left out of both."""

    visible_gt: int = 0
    visible_tp: int = 0
    hidden_gt: int = 0
    hidden_tp: int = 0

    def update(self, rows: Sequence[GtRow], found: Sequence[bool]) -> None:
        for row, hit in zip(rows, found, strict=True):
            if row.visibility is None:
                continue
            if row.visibility >= VISIBLE_AT:
                self.visible_gt += 1
                self.visible_tp += hit
            else:
                self.hidden_gt += 1
                self.hidden_tp += hit

    def summary(self) -> dict[str, Any] | None:
        if self.visible_gt + self.hidden_gt == 0:
            return None
        return {
            "visible_at": VISIBLE_AT,
            "visible_gt": self.visible_gt,
            "visible_tp": self.visible_tp,
            "visible_recall": _ratio(self.visible_tp, self.visible_gt),
            "hidden_gt": self.hidden_gt,
            "hidden_tp": self.hidden_tp,
            "hidden_recall": _ratio(self.hidden_tp, self.hidden_gt),
        }


@dataclass
class DetectionCounts:
    """Precision and recall of boxes without identities (a detector's raw output), IoU >= 0.5."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    by_visibility: VisibilityRecall = field(default_factory=VisibilityRecall)

    def update(self, gt: Sequence[GtRow], preds: Sequence[Box]) -> None:
        keep_gt, keep_pred = preprocess(gt, preds)
        found = [False] * len(keep_gt)
        if keep_gt and keep_pred:
            sim = iou_matrix(_boxes([gt[i].box for i in keep_gt]), _boxes([preds[j] for j in keep_pred]))
            score = np.where(sim >= IOU_THRESHOLD - _EPS, sim, 0.0)
            rows, cols = linear_sum_assignment(-score)
            for r, c in zip(rows, cols, strict=True):
                found[r] = bool(score[r, c] > _EPS)
        matched = sum(found)
        self.tp += matched
        self.fp += len(keep_pred) - matched
        self.fn += len(keep_gt) - matched
        self.by_visibility.update([gt[i] for i in keep_gt], found)

    def summary(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": _ratio(self.tp, self.tp + self.fp),
            "recall": _ratio(self.tp, self.tp + self.fn),
            "by_visibility": self.by_visibility.summary(),
        }


@dataclass
class MotAccumulator:
    """CLEAR MOT (MOTA, identity switches) and IDF1 over a sequence, frame by frame."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    idsw: int = 0
    frames: int = 0
    _last_match: dict[int, int] = field(default_factory=dict)  # gt id -> track id at its last match
    _prev_frame: dict[int, int] = field(default_factory=dict)  # gt id -> track id matched in the previous frame
    _pair_frames: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))
    _gt_dets: int = 0
    _pred_dets: int = 0
    _gt_ids: set[int] = field(default_factory=set)
    _pred_ids: set[int] = field(default_factory=set)
    by_visibility: VisibilityRecall = field(default_factory=VisibilityRecall)

    def update(self, gt: Sequence[GtRow], preds: Sequence[tuple[int, Box]]) -> None:
        self.frames += 1
        keep_gt, keep_pred = preprocess(gt, [b for _, b in preds])
        gt_ids = [gt[i].track_id for i in keep_gt]
        pred_ids = [preds[j][0] for j in keep_pred]
        self._gt_dets += len(gt_ids)
        self._pred_dets += len(pred_ids)
        self._gt_ids.update(gt_ids)
        self._pred_ids.update(pred_ids)
        pairs: list[tuple[int, int]] = []
        found = [False] * len(gt_ids)
        if gt_ids and pred_ids:
            sim = iou_matrix(_boxes([gt[i].box for i in keep_gt]), _boxes([preds[j][1] for j in keep_pred]))
            over = sim >= IOU_THRESHOLD - _EPS
            for r, c in zip(*np.nonzero(over), strict=True):
                self._pair_frames[(gt_ids[r], pred_ids[c])] += 1
            kept_pair = np.array([[self._prev_frame.get(g) == p for p in pred_ids] for g in gt_ids], dtype=np.float64)
            score = np.where(over, 1000.0 * kept_pair + sim, 0.0)
            rows, cols = linear_sum_assignment(-score)
            pairs = [(gt_ids[r], pred_ids[c]) for r, c in zip(rows, cols, strict=True) if score[r, c] > _EPS]
            for r, c in zip(rows, cols, strict=True):
                found[r] = bool(score[r, c] > _EPS)
        self.by_visibility.update([gt[i] for i in keep_gt], found)
        for g, p in pairs:
            if g in self._last_match and self._last_match[g] != p:
                self.idsw += 1
            self._last_match[g] = p
        self._prev_frame = dict(pairs)
        self.tp += len(pairs)
        self.fp += len(pred_ids) - len(pairs)
        self.fn += len(gt_ids) - len(pairs)

    def idtp(self) -> int:
        if not self._pair_frames:
            return 0
        gts = sorted({g for g, _ in self._pair_frames})
        prs = sorted({p for _, p in self._pair_frames})
        gi, pi = {g: i for i, g in enumerate(gts)}, {p: i for i, p in enumerate(prs)}
        counts = np.zeros((len(gts), len(prs)))
        for (g, p), n in self._pair_frames.items():
            counts[gi[g], pi[p]] = n
        rows, cols = linear_sum_assignment(-counts)
        return int(counts[rows, cols].sum())

    def summary(self) -> dict[str, Any]:
        idtp = self.idtp()
        gt_total = self.tp + self.fn
        return {
            "frames": self.frames,
            "gt": gt_total,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "idsw": self.idsw,
            "precision": _ratio(self.tp, self.tp + self.fp),
            "recall": _ratio(self.tp, gt_total),
            "mota": None if gt_total == 0 else round(1 - (self.fn + self.fp + self.idsw) / gt_total, 4),
            "idtp": idtp,
            "idfp": self._pred_dets - idtp,
            "idfn": self._gt_dets - idtp,
            "idf1": _ratio(2 * idtp, self._gt_dets + self._pred_dets),
            "gt_ids": len(self._gt_ids),
            "track_ids": len(self._pred_ids),
            "by_visibility": self.by_visibility.summary(),
        }


def _ratio(num: float, den: float) -> float | None:
    return None if den == 0 else round(num / den, 4)


def trajectories(gt_by_frame: dict[int, list[GtRow]], frames: Iterable[int] | None = None) -> dict[int, list[Box]]:
    """Boxes of each ground-truth pedestrian (class 1, considered) in frame order."""
    chosen = sorted(gt_by_frame) if frames is None else sorted(set(frames) & set(gt_by_frame))
    out: dict[int, list[Box]] = defaultdict(list)
    for frame in chosen:
        for row in gt_by_frame[frame]:
            if row.is_target:
                out[row.track_id].append(row.box)
    return dict(out)


def clip_box(box: Box, width: float, height: float) -> Box | None:
    """The part of ``box`` inside a ``width`` x ``height`` frame, None when nothing of it is."""
    x1, y1, x2, y2 = max(box.x1, 0.0), max(box.y1, 0.0), min(box.x2, width), min(box.y2, height)
    return Box(x1, y1, x2, y2) if x2 > x1 and y2 > y1 else None


def gt_line_counts(
    gt_by_frame: dict[int, list[GtRow]],
    line: Line,
    anchor: Anchor = Anchor.BOTTOM_CENTER,
    frames: Iterable[int] | None = None,
    clip_to: tuple[float, float] | None = None,
) -> tuple[int, int]:
    """(entered, exited) of the ground-truth pedestrians across ``line``: the side of the anchor point is
    the sign of its distance to the line (on the line: no side); a trajectory's first side settles
    without a count, every later change of side counts (towards the entry side: entered) when the
    anchor projects onto the segment. No dead band, no debounce.

    ``clip_to=(width, height)`` takes the anchor of the box's visible part, as the pipeline sees it (a
    detector's boxes end at the frame's edge; MOTChallenge boxes of people cut by the edge go beyond it)."""
    entered = exited = 0
    for boxes in trajectories(gt_by_frame, frames).values():
        settled = 0
        for full in boxes:
            box = clip_box(full, *clip_to) if clip_to else full
            if box is None:
                continue
            p = anchor.of(box)
            d = line.signed_distance(p)
            side = 1 if d > 0 else -1 if d < 0 else 0
            if side == 0 or side == settled:
                continue
            if settled == 0:
                settled = side
                continue
            settled = side
            if 0.0 <= line.projection(p) <= 1.0:
                if side > 0:
                    entered += 1
                else:
                    exited += 1
    return entered, exited


def count_error(ours: int, truth: int) -> float | None:
    """|ours - truth| / truth, None when the truth is zero."""
    return None if truth == 0 else round(abs(ours - truth) / truth, 4)
