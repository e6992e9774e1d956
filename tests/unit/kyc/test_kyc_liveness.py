"""Active liveness from synthetic landmark sequences (pure domain, no images)."""

from __future__ import annotations

import random

import pytest

from services.kyc.domain.face_types import DetectedFace, FrameObservation
from services.kyc.domain.liveness import ACTIONS, LivenessRules, evaluate, new_challenge, nose_offset

STEP_MS = 150.0


def face(offset: float = 0.0, scale: float = 1.0, dx: float = 0.0, tilt: float = 0.0) -> DetectedFace:
    """Five landmarks of a face 100 px between the eyes; ``offset`` moves the nose along the eye axis (3D turn);
    ``scale``/``dx``/``tilt`` move the whole picture (what a photo held up to the camera can do)."""
    points = [(-50.0, 0.0), (50.0, 0.0), (offset * 100.0, 50.0), (-40.0, 100.0), (40.0, 100.0)]
    moved = tuple((300 + dx + scale * (x + tilt * y), 200 + scale * y) for x, y in points)
    return DetectedFace((200.0, 120.0, 200.0, 260.0), moved, 0.9)  # type: ignore[arg-type]


def frame(i: int, state: str = "neutral", *, faces: int = 1, **flags: bool) -> FrameObservation:
    offsets = {"turn_left": 0.3, "turn_right": -0.3}
    return FrameObservation(
        t_ms=i * STEP_MS,
        faces=faces,
        face=face(offsets.get(state, 0.0)) if faces == 1 else None,
        eye_openness=0.3 if state == "blink" else 1.0,
        **flags,
    )


def sequence(states: list[str], **flags: bool) -> list[FrameObservation]:
    return [frame(i, s, **flags) for i, s in enumerate(states)]


def script(order: tuple[str, ...]) -> list[str]:
    states = ["neutral", "neutral", "neutral"]
    for action in order:
        states += [action, action, "neutral", "neutral"]
    return states


@pytest.mark.parametrize(
    "order",
    [("blink", "turn_left", "turn_right"), ("turn_right", "blink", "turn_left"), ("turn_left", "turn_right", "blink")],
)
def test_the_asked_order_passes(order: tuple[str, ...]) -> None:
    result = evaluate(order, sequence(script(order)))
    assert result.passed, result.reasons
    assert result.completed == order


def test_another_order_fails_as_a_replayed_recording_would() -> None:
    recorded = script(("blink", "turn_left", "turn_right"))
    result = evaluate(("turn_right", "turn_left", "blink"), sequence(recorded))
    assert not result.passed
    assert any(r.startswith("wrong_action: blink") for r in result.reasons)


def test_a_missing_action_fails() -> None:
    result = evaluate(("blink", "turn_left", "turn_right"), sequence(script(("blink", "turn_left"))))
    assert not result.passed
    assert "action_missing: turn_right" in result.reasons


def test_a_photo_moved_tilted_and_scaled_never_turns() -> None:
    frames = [
        FrameObservation(
            t_ms=i * STEP_MS,
            faces=1,
            eye_openness=1.0,
            face=face(0.0, scale=0.8 + 0.05 * i, dx=15.0 * i, tilt=0.3 * ((i % 5) - 2)),
        )
        for i in range(15)
    ]
    assert max(abs(nose_offset(f.face)) for f in frames if f.face) < 1e-9
    result = evaluate(("turn_left", "blink", "turn_right"), frames)
    assert not result.passed
    assert "action_missing: turn_left" in result.reasons


def test_mirrored_frames_swap_left_and_right() -> None:
    order = ("turn_left", "turn_right", "blink")
    swapped = [{"turn_left": "turn_right", "turn_right": "turn_left"}.get(s, s) for s in script(order)]
    assert evaluate(order, sequence(swapped), LivenessRules(mirrored=True)).passed
    assert not evaluate(order, sequence(swapped)).passed


def test_timing_rules() -> None:
    order = ("blink", "turn_left", "turn_right")
    frames = sequence(script(order))
    backwards = [*frames[:5], frames[3], *frames[6:]]
    assert "timestamps_not_increasing" in evaluate(order, backwards).reasons
    slow = [FrameObservation(t_ms=f.t_ms * 20, faces=f.faces, face=f.face, eye_openness=f.eye_openness) for f in frames]
    assert any(r.startswith("sequence_too_long") for r in evaluate(order, slow).reasons)
    assert any(r.startswith("face_lost_for") for r in evaluate(order, slow).reasons)


def test_frame_count_and_faces() -> None:
    order = ("blink", "turn_left", "turn_right")
    assert not evaluate(order, sequence(["neutral"] * 3)).passed
    two = sequence(script(order))
    two[4] = frame(4, faces=2)
    assert "multiple_faces" in evaluate(order, two).reasons
    empty = [frame(i, faces=0) for i in range(10)]
    assert not evaluate(order, empty).passed


def test_passive_flags_fail_the_sequence() -> None:
    order = ("blink", "turn_left", "turn_right")
    result = evaluate(order, sequence(script(order), screen_border=True))
    assert not result.passed
    assert any(r.startswith("passive_screen_border") for r in result.reasons)
    assert any(r.startswith("passive_digital") for r in evaluate(order, sequence(script(order), digital=True)).reasons)


def test_challenges_are_permutations_in_varying_order() -> None:
    rng = random.Random(3)
    seen = {new_challenge(rng) for _ in range(200)}
    assert all(sorted(c) == sorted(ACTIONS) for c in seen)
    assert len(seen) == 6
    assert sorted(new_challenge()) == sorted(ACTIONS)
