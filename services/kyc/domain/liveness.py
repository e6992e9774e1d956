"""Active liveness: a server-chosen random order of blink / turn left / turn right, checked from the five
YuNet landmarks, an eye-openness measure and the frame timestamps; plus the passive flags per frame.

Turns are measured as an affine-invariant coordinate of the nose in the frame spanned by the eyes and the
mouth: tilting, rotating or moving a flat picture does not change it, a real head turning does.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from services.kyc.domain.face_types import DetectedFace, FrameObservation

ACTIONS = ("blink", "turn_left", "turn_right")


def new_challenge(rng: random.Random | None = None) -> tuple[str, ...]:
    """The three actions in an order the server draws (``random.SystemRandom`` unless one is given)."""
    order = list(ACTIONS)
    (rng or random.SystemRandom()).shuffle(order)
    return tuple(order)


def nose_offset(face: DetectedFace) -> float:
    """Affine coordinate of the nose along the eye axis: 0 frontal; > 0 nose toward the image's right.

    Solves ``nose - eye_mid = a * (eye_b - eye_a) + b * (mouth_mid - eye_mid)`` for ``a``.
    """
    (ax, ay), (bx, by), (nx, ny), (m1x, m1y), (m2x, m2y) = face.landmarks
    mid_x, mid_y = (ax + bx) / 2, (ay + by) / 2
    ux, uy = bx - ax, by - ay
    vx, vy = (m1x + m2x) / 2 - mid_x, (m1y + m2y) / 2 - mid_y
    det = ux * vy - uy * vx
    if abs(det) < 1e-6:
        return 0.0
    dx, dy = nx - mid_x, ny - mid_y
    return (dx * vy - dy * vx) / det


@dataclass(frozen=True)
class LivenessRules:
    turn_offset: float = 0.15  # |nose offset - frontal| beyond this is a turn (about 14 degrees of yaw)
    blink_ratio: float = 0.65  # eye openness at most this share of the frontal median is a closed eye
    min_frames: int = 6
    max_frames: int = 60
    max_duration_ms: float = 15_000
    max_gap_ms: float = 2_000
    mirrored: bool = False  # frames come mirrored (selfie preview): the person's left is the image's left
    max_flagged_share: float = 0.5  # more passive flags (screen border, digital image) than this fails


@dataclass(frozen=True)
class LivenessResult:
    passed: bool
    reasons: tuple[str, ...]
    completed: tuple[str, ...]
    checks: dict[str, bool | float | str] = field(default_factory=dict)


def _state(frame: FrameObservation, frontal: float, openness: float | None, rules: LivenessRules) -> str:
    assert frame.face is not None
    offset = nose_offset(frame.face) - frontal
    if rules.mirrored:
        offset = -offset
    # Not mirrored: the camera faces the person, so the person's left is the image's right.
    if offset > rules.turn_offset:
        return "turn_left"
    if offset < -rules.turn_offset:
        return "turn_right"
    if openness and frame.eye_openness is not None and frame.eye_openness <= rules.blink_ratio * openness:
        return "blink"
    return "neutral"


def _timing_problems(frames: Sequence[FrameObservation], rules: LivenessRules) -> list[str]:
    problems = []
    times = [f.t_ms for f in frames]
    if any(b <= a for a, b in itertools.pairwise(times)):
        problems.append("timestamps_not_increasing")
    elif times and times[-1] - times[0] > rules.max_duration_ms:
        problems.append(f"sequence_too_long: {times[-1] - times[0]:.0f} ms > {rules.max_duration_ms:.0f} ms")
    face_times = [f.t_ms for f in frames if f.faces == 1]
    gaps = [b - a for a, b in itertools.pairwise(face_times)]
    if gaps and max(gaps) > rules.max_gap_ms:
        problems.append(f"face_lost_for: {max(gaps):.0f} ms")
    return problems


def evaluate(
    challenge: Sequence[str], frames: Sequence[FrameObservation], rules: LivenessRules = LivenessRules()
) -> LivenessResult:
    """Whether ``frames`` show the actions of ``challenge`` in that order, by one live face."""
    reasons: list[str] = []
    if not rules.min_frames <= len(frames) <= rules.max_frames:
        return LivenessResult(False, (f"frame_count: {len(frames)} not in {rules.min_frames}..{rules.max_frames}",), ())
    reasons.extend(_timing_problems(frames, rules))
    if any(f.faces > 1 for f in frames):
        reasons.append("multiple_faces")
    with_face = [f for f in frames if f.faces == 1 and f.face is not None]
    if len(with_face) < rules.min_frames:
        reasons.append(f"face_frames: {len(with_face)} < {rules.min_frames}")
        return LivenessResult(False, tuple(reasons), ())
    flagged = {name: sum(getattr(f, name) for f in with_face) / len(with_face) for name in ("screen_border", "digital")}
    for name, share in flagged.items():
        if share > rules.max_flagged_share:
            reasons.append(f"passive_{name}: {share:.0%} of frames")
    frontal = median(nose_offset(f.face) for f in with_face[:3] if f.face is not None)
    open_values = [
        f.eye_openness
        for f in with_face
        if f.face is not None
        and f.eye_openness is not None
        and abs(nose_offset(f.face) - frontal) <= rules.turn_offset / 2
    ]
    openness = median(open_values) if open_values else None
    completed, wrong = _walk(challenge, with_face, frontal, openness, rules)
    if wrong:
        reasons.append(f"wrong_action: {wrong} while {challenge[len(completed)]} was asked")
    elif len(completed) < len(challenge):
        reasons.append(f"action_missing: {challenge[len(completed)]}")
    checks: dict[str, bool | float | str] = {
        "challenge": ",".join(challenge),
        "completed": ",".join(completed),
        "frames": float(len(frames)),
        "screen_border_share": round(flagged["screen_border"], 3),
        "digital_share": round(flagged["digital"], 3),
    }
    return LivenessResult(not reasons, tuple(reasons), tuple(completed), checks)


def _walk(
    challenge: Sequence[str],
    frames: Sequence[FrameObservation],
    frontal: float,
    openness: float | None,
    rules: LivenessRules,
) -> tuple[list[str], str | None]:
    """Actions completed in order; an action is done when seen and then left (back to neutral or next)."""
    completed: list[str] = []
    current = "neutral"
    for frame in frames:
        state = _state(frame, frontal, openness, rules)
        if state == current:
            continue
        if current != "neutral":
            completed.append(current)  # the previous action ended
            if len(completed) == len(challenge):
                return completed, None
        current = state
        if state != "neutral" and state != challenge[len(completed)]:
            return completed, state
    if current != "neutral" and len(completed) < len(challenge) and current == challenge[len(completed)]:
        completed.append(current)  # the sequence ended during the last action
    return completed, None
