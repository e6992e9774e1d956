"""The debug overlay (debug stream only): a copy of a frame with lines, zones, boxes and counts drawn on it."""

from __future__ import annotations

import cv2
import numpy as np

from services.queue.vision.adapters.detectors import Image
from services.queue.vision.domain.pipeline import FrameResult, Geometry


def draw_overlay(image: Image, result: FrameResult, geometry: Geometry | None) -> Image:
    """A copy of the frame with ``geometry`` (the analysed frame's lines and zones), boxes and counts."""
    canvas = image.copy()
    if geometry is not None:
        for line in geometry.lines.values():
            cv2.line(
                canvas, (int(line.start.x), int(line.start.y)), (int(line.end.x), int(line.end.y)), (0, 255, 255), 2
            )
        for color, polygons in (((255, 160, 0), geometry.zones), ((0, 0, 255), geometry.staff_zones)):
            for polygon in polygons.values():
                pts = np.array([[int(p.x), int(p.y)] for p in polygon.points], dtype=np.int32)
                cv2.polylines(canvas, [pts], True, color, 2)
    for person in result.people:
        b = person.box
        cv2.rectangle(canvas, (int(b.x1), int(b.y1)), (int(b.x2), int(b.y2)), (0, 220, 0), 2)
        cv2.putText(
            canvas,
            str(person.track_id),
            (int(b.x1), max(12, int(b.y1) - 4)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5,
            (0, 220, 0),
            1,
        )
    cv2.putText(
        canvas, f"in {result.entered} out {result.exited}", (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2
    )
    return canvas
