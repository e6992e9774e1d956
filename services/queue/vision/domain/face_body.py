"""People the person detector missed but whose face it can see: a body box from a face box (issue 20).

From a hall camera high above the floor the person detector (trained on people seen from the side) finds
few of the people, while their faces, turned to the counters and the door, are plain to a face detector.
``bodies_from_faces`` turns each face nobody's box already holds into a body box of fixed proportions
(``FaceBodyParams``: width, top and height in face heights, set by hand from body proportions, not tuned),
clipped to the frame, scored ``body_score``; a face inside the head part of a detected person, or whose body box
overlaps a detection, adds nothing. Boxes only: no face image, landmark or embedding is kept or leaves
the camera worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.queue.vision.domain.geometry import Box, boxes_array, iou_matrix
from services.queue.vision.domain.tracker import Detection


@dataclass(frozen=True)
class FaceBodyParams:
    half_width: float = 1.6  # body half width, in face heights
    above: float = 0.5  # body top above the face's top, in face heights
    height: float = 7.8  # body height from its top, in face heights
    body_score: float = 0.6  # the score of a body from a face (0.5 and up: it may start a track)
    cover_iou: float = 0.3  # a body box overlapping a detection this much adds nothing
    head_share: float = 0.35  # a face centre in this top share of a detection's box is that person's

    def __post_init__(self) -> None:
        if min(self.half_width, self.height) <= 0 or self.above < 0:
            raise ValueError("need half_width > 0, height > 0 and above >= 0")
        if not (0 < self.body_score <= 1 and 0 < self.cover_iou < 1 and 0 < self.head_share <= 1):
            raise ValueError("need body_score in (0, 1], cover_iou in (0, 1) and head_share in (0, 1]")


def body_of(face: Box, width: int, height: int, params: FaceBodyParams) -> Box | None:
    """The body box a face implies, clipped to the frame; None when less than 2 px remain either way."""
    s = face.height
    cx = face.center.x
    x1, x2 = max(0.0, cx - params.half_width * s), min(float(width), cx + params.half_width * s)
    y1 = max(0.0, face.y1 - params.above * s)
    y2 = min(float(height), face.y1 - params.above * s + params.height * s)
    return Box(x1, y1, x2, y2) if x2 - x1 >= 2 and y2 - y1 >= 2 else None


def bodies_from_faces(
    detections: Sequence[Detection], faces: Sequence[Box], width: int, height: int, params: FaceBodyParams
) -> list[Detection]:
    """Body detections for the faces no detection accounts for (faces are one per person already: the face
    detector suppresses its own duplicates; two people side by side in a crowd keep a body each)."""
    held = [d.box for d in detections]
    added: list[Detection] = []
    for face in faces:
        body = body_of(face, width, height, params)
        if body is not None and not _accounted(face, body, held, params):
            added.append(Detection(body, params.body_score))
    return added


def _accounted(face: Box, body: Box, held: Sequence[Box], params: FaceBodyParams) -> bool:
    if not held:
        return False
    boxes = boxes_array(held)
    if float(iou_matrix(boxes_array([body]), boxes)[0].max()) >= params.cover_iou:
        return True
    fx, fy = face.center.x, face.center.y
    head_bottom = boxes[:, 1] + params.head_share * (boxes[:, 3] - boxes[:, 1])
    inside = (boxes[:, 0] <= fx) & (fx <= boxes[:, 2]) & (boxes[:, 1] <= fy) & (fy <= head_bottom)
    return bool(inside.any())
