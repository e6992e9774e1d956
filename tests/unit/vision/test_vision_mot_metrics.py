"""The real-footage counting bench's metrics (bench/vision/mot_metrics.py) on hand-made cases with known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.vision.mot_metrics import (
    DetectionCounts,
    GtRow,
    MotAccumulator,
    RefusedSequence,
    count_error,
    gt_line_counts,
    parse_gt,
    read_seqinfo,
)
from services.queue.vision.domain.geometry import Anchor, Box, EntrySide, Line, Point


def box(x: float, y: float = 0.0, w: float = 10.0, h: float = 10.0) -> Box:
    return Box(x, y, x + w, y + h)


def gt(ident: int, b: Box, cls: int = 1, consider: bool = True) -> GtRow:
    return GtRow(ident, b, cls, consider)


def test_parse_gt_reads_mot16_and_mot15_rows() -> None:
    mot16 = parse_gt(["1,1,10,20,30,40,1,1,0.9", "1,2,0,0,5,5,0,12,1", "2,1,11,20,30,40,1,1,1", "2,3,0,0,0,5,1,1,1"])
    assert sorted(mot16) == [1, 2]
    first = mot16[1][0]
    assert (first.track_id, first.box, first.cls, first.consider, first.is_target) == (
        1,
        Box(10, 20, 40, 60),
        1,
        True,
        True,
    )
    assert (mot16[1][1].cls, mot16[1][1].consider, mot16[1][1].is_target) == (12, False, False)
    assert (first.visibility, mot16[2][0].visibility) == (0.9, 1.0)
    assert len(mot16[2]) == 1  # a box without width is skipped
    mot15 = parse_gt(["1,1,88,99,61.08,218.56,1,4.48,5.50,0"])  # 10 columns: world x, y, z, no class
    assert mot15[1][0].cls == 1 and mot15[1][0].is_target and mot15[1][0].visibility is None


def test_perfect_tracks_score_one() -> None:
    acc, det = MotAccumulator(), DetectionCounts()
    for f in range(3):
        rows = [gt(1, box(10 * f)), gt(2, box(100 + 10 * f))]
        acc.update(rows, [(7, box(10 * f)), (8, box(100 + 10 * f))])
        det.update(rows, [box(10 * f), box(100 + 10 * f)])
    s = acc.summary()
    assert (s["tp"], s["fp"], s["fn"], s["idsw"], s["mota"], s["idf1"], s["precision"], s["recall"]) == (
        6,
        0,
        0,
        0,
        1.0,
        1.0,
        1.0,
        1.0,
    )
    assert det.summary() == {"tp": 6, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "by_visibility": None}


def test_identity_switch_costs_mota_and_idf1() -> None:
    acc = MotAccumulator()
    for f in range(4):
        acc.update([gt(1, box(5 * f))], [(1 if f < 2 else 2, box(5 * f))])
    s = acc.summary()
    assert (s["tp"], s["idsw"], s["mota"]) == (4, 1, 0.75)
    assert (s["idtp"], s["idfp"], s["idfn"], s["idf1"]) == (2, 2, 2, 0.5)  # id 1 owns person 1 for 2 of 4 frames


def test_false_positive_and_miss() -> None:
    acc = MotAccumulator()
    acc.update([gt(1, box(0))], [(1, box(0)), (2, box(300))])  # a false alarm far away
    acc.update([gt(1, box(0)), gt(2, box(50))], [(1, box(0))])  # person 2 missed
    s = acc.summary()
    assert (s["tp"], s["fp"], s["fn"], s["gt"]) == (2, 1, 1, 3)
    assert s["precision"] == pytest.approx(2 / 3, abs=1e-4) and s["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["mota"] == pytest.approx(1 - 2 / 3, abs=1e-4)


def test_iou_below_half_is_no_match() -> None:
    det = DetectionCounts()
    det.update([gt(1, box(0))], [box(4)])  # IoU 6/14 = 0.43
    det.update([gt(1, box(0))], [box(3)])  # IoU 7/13 = 0.54
    assert det.summary() == {"tp": 1, "fp": 1, "fn": 1, "precision": 0.5, "recall": 0.5, "by_visibility": None}


def test_distractors_are_neither_hits_nor_false_alarms_but_other_classes_are() -> None:
    det = DetectionCounts()
    rows = [gt(1, box(0)), gt(2, box(100), cls=7), gt(3, box(200), cls=3), gt(4, box(300), consider=False)]
    det.update(rows, [box(0), box(100), box(200), box(300)])
    # the static person (7) is ignored; the car (3) and the not-considered pedestrian are no ground truth,
    # so detections on them are false alarms, as in the MOTChallenge devkit
    assert det.summary()["tp"] == 1 and det.summary()["fp"] == 2 and det.summary()["fn"] == 0


def test_matching_keeps_last_frames_pairs_before_maximising_iou() -> None:
    acc = MotAccumulator()
    acc.update([gt(1, box(0))], [(1, box(0))])
    # two people close together: the higher-IoU assignment would swap ids, the devkit keeps person 1 on track 1
    acc.update([gt(1, box(0)), gt(2, box(2))], [(1, box(1.5)), (2, box(0.5))])
    s = acc.summary()
    assert (s["tp"], s["idsw"]) == (3, 0)


def test_gt_line_counts_without_debounce() -> None:
    line = Line(Point(0, 100), Point(200, 100), EntrySide.RIGHT)  # walking down the image enters
    feet = {  # bottom-centre y (and x) per person and frame
        1: [(50, 80), (50, 95), (50, 105), (50, 120)],  # walks in
        2: [(150, 130), (150, 90)],  # walks out
        3: [(80, 98), (80, 102), (80, 98)],  # sways over the line: in and out, no debounce
        4: [(120, 100), (120, 90), (120, 110)],  # starts on the line: settles above, then walks in
        5: [(260, 80), (260, 120)],  # crosses beyond the end of the line: not counted
    }
    by_frame: dict[int, list[GtRow]] = {}
    for ident, points in feet.items():
        for f, (x, y) in enumerate(points):
            by_frame.setdefault(f + 1, []).append(gt(ident, Box(x - 5, y - 40, x + 5, y)))
    by_frame[1].append(gt(9, Box(45, 60, 55, 130), cls=7))  # a static person is no trajectory
    assert gt_line_counts(by_frame, line, Anchor.BOTTOM_CENTER) == (3, 2)
    assert gt_line_counts(by_frame, line, Anchor.BOTTOM_CENTER, frames=[1, 2]) == (1, 1)  # 3 sways in, 2 walks out
    assert gt_line_counts(by_frame, line, Anchor.CENTER) == (0, 1)  # box centres are 20 px higher: only 2 crosses


def test_count_error() -> None:
    assert count_error(9, 10) == 0.1 and count_error(10, 10) == 0.0 and count_error(3, 0) is None


def write_seq(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "seqinfo.ini").write_text(
        f"[Sequence]\nname={name}\nimDir=img1\nframeRate=25\nseqLength=3\nimWidth=64\nimHeight=48\nimExt=.jpg\n",
        encoding="utf-8",
    )
    return folder


def test_read_seqinfo(tmp_path: Path) -> None:
    info = read_seqinfo(write_seq(tmp_path / "Walk-01", "Walk-01"))
    assert (info.name, info.fps, info.length, info.width, info.height) == ("Walk-01", 25.0, 3, 64, 48)
    assert info.image_path(2) == tmp_path / "Walk-01" / "img1" / "000002.jpg"


@pytest.mark.parametrize(("folder", "name"), [("PETS09-S2L1", "x"), ("seq", "PETS09-S2L1"), ("seq", "pets09-S2L2")])
def test_pets_2009_is_refused(tmp_path: Path, folder: str, name: str) -> None:
    with pytest.raises(RefusedSequence):
        read_seqinfo(write_seq(tmp_path / folder, name))


def test_gt_line_counts_on_the_visible_part_of_boxes() -> None:
    line = Line(Point(50, 0), Point(50, 100), EntrySide.RIGHT)  # vertical, full frame height; walking left enters
    # someone close to the camera walks right to left; the box runs past the bottom edge (feet out of view)
    by_frame = {f + 1: [gt(1, Box(x, 40, x + 20, 130))] for f, x in enumerate((70, 55, 30, 10))}
    assert gt_line_counts(by_frame, line) == (0, 0)  # the unclipped feet project beyond the segment's end
    assert gt_line_counts(by_frame, line, clip_to=(100, 100)) == (1, 0)
    gone = {1: [gt(1, Box(70, 40, 90, 90))], 2: [gt(1, Box(-30, 40, -5, 90))]}  # wholly outside: no side
    assert gt_line_counts(gone, line, clip_to=(100, 100)) == (0, 0)


def test_recall_is_split_between_visible_and_hidden_people() -> None:
    """Two visible people (one found), one half-hidden person found by the tracker only, a distractor and a
    row without annotation stay out of the split; the recall of all is unchanged by it."""
    acc, det = MotAccumulator(), DetectionCounts()
    for _ in range(2):
        rows = [
            GtRow(1, box(0), visibility=1.0),
            GtRow(2, box(100), visibility=0.5),
            GtRow(3, box(200), visibility=0.2),
            GtRow(4, box(300), cls=8, visibility=1.0),
            GtRow(5, box(400)),
        ]
        det.update(rows, [box(0), box(300)])
        acc.update(rows, [(7, box(0)), (8, box(200)), (9, box(400))])
    d, t = det.summary(), acc.summary()
    assert d["by_visibility"] == {
        "visible_at": 0.5,
        "visible_gt": 4,
        "visible_tp": 2,
        "visible_recall": 0.5,
        "hidden_gt": 2,
        "hidden_tp": 0,
        "hidden_recall": 0.0,
    }
    assert (d["tp"], d["fn"], d["recall"]) == (2, 6, 0.25)
    vis = t["by_visibility"]
    assert (vis["visible_tp"], vis["visible_gt"], vis["hidden_tp"], vis["hidden_gt"]) == (2, 4, 2, 2)
    assert (t["tp"], t["recall"]) == (6, 0.75)
