"""Finding a card or sheet in a photo: quad detection, perspective correction and downscaling."""

from __future__ import annotations

import cv2
import numpy as np

DETECTION_LONG_SIDE = 640
OUTPUT_LONG_SIDE = 960
MIN_AREA_SHARE = 0.15
MAX_AREA_SHARE = 0.97


def downscale(image: np.ndarray, long_side: int) -> np.ndarray:
    """The image with its long side at most ``long_side`` (never enlarged)."""
    height, width = image.shape[:2]
    scale = long_side / max(height, width)
    if scale >= 1:
        return image
    return cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)


def order_corners(points: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left."""
    points = points.reshape(4, 2).astype(np.float32)
    sums, diffs = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array(
        [points[np.argmin(sums)], points[np.argmin(diffs)], points[np.argmax(sums)], points[np.argmax(diffs)]],
        dtype=np.float32,
    )


def find_quad(image: np.ndarray) -> np.ndarray | None:
    """Corners (in ``image`` coordinates) of the largest plausible four-sided document, or None."""
    small = downscale(image, DETECTION_LONG_SIDE)
    scale = image.shape[1] / small.shape[1]
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    area = gray.shape[0] * gray.shape[1]
    for edges in _edge_maps(gray):
        contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
            quad = _as_quad(contour, area)
            if quad is not None:
                return order_corners(quad * scale)
    return None


def _edge_maps(gray: np.ndarray) -> list[np.ndarray]:
    kernel = np.ones((3, 3), np.uint8)
    canny = cv2.dilate(cv2.Canny(gray, 40, 120), kernel, iterations=2)
    _, otsu = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return [canny, cv2.morphologyEx(otsu, cv2.MORPH_CLOSE, kernel, iterations=3)]


def _as_quad(contour: np.ndarray, image_area: int) -> np.ndarray | None:
    contour_area = cv2.contourArea(contour)
    if not MIN_AREA_SHARE * image_area <= contour_area <= MAX_AREA_SHARE * image_area:
        return None
    hull = cv2.convexHull(contour)
    approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    if len(approx) == 4:
        return approx.reshape(4, 2).astype(np.float32)
    rect = cv2.minAreaRect(hull)
    if contour_area >= 0.85 * rect[1][0] * rect[1][1]:
        return cv2.boxPoints(rect).astype(np.float32)
    return None


def warp_quad(
    image: np.ndarray, corners: np.ndarray, long_side: int = OUTPUT_LONG_SIDE, *, landscape: bool = True
) -> np.ndarray:
    """The quad seen straight on with its long side at ``long_side``: turned landscape, or (``landscape``
    False) as it lies in the photo."""
    top_left, top_right, bottom_right, bottom_left = corners
    width = max(np.linalg.norm(top_right - top_left), np.linalg.norm(bottom_right - bottom_left))
    height = max(np.linalg.norm(bottom_left - top_left), np.linalg.norm(bottom_right - top_right))
    scale = long_side / max(width, height)
    out_w, out_h = max(round(width * scale), 1), max(round(height * scale), 1)
    target = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    warped = cv2.warpPerspective(image, matrix, (out_w, out_h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    return cv2.rotate(warped, cv2.ROTATE_90_CLOCKWISE) if landscape and out_h > out_w else warped


def locate_document(image: np.ndarray) -> tuple[np.ndarray, bool]:
    """(the document straightened and downscaled, whether a quad was found); falls back to the whole image."""
    corners = find_quad(image)
    if corners is None:
        return downscale(image, OUTPUT_LONG_SIDE), False
    return warp_quad(image, corners), True
