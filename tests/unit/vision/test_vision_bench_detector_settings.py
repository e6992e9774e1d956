"""bench/counting.py's detector settings: the ``crops`` layout is parsed, labelled and keyed in the detections
cache by the crop shape (a cache of another shape is never read for it)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench.counting import MODEL, cache_meta, cache_path, parse_setting, parse_speed_model, setting_label, tiles_used
from bench.vision.mot_metrics import SeqInfo
from services.queue.vision.domain import motion_crops

INFO = SeqInfo(name="SEQ", folder=Path("/nowhere"), fps=25.0, length=10, width=1920, height=1080)


def test_crops_is_a_layout_of_the_detector_setting() -> None:
    assert parse_setting("300:0.3:crops") == (300, 0.3, "crops")
    assert parse_setting("300:0.3:auto") == (300, 0.3, "auto")
    assert setting_label((300, 0.3, "crops")) == "300:0.3:crops"
    assert tiles_used(INFO, "crops") == "crops" and tiles_used(INFO, "auto") == 2


@pytest.mark.parametrize("spec", ["300:0.3:crop", "300:0.3:0", "300", "300:1.5:crops"])
def test_bad_settings_are_refused(spec: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_setting(spec)


def test_the_crops_cache_is_keyed_by_the_crop_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Path("/cache")
    before = cache_path(cache, INFO, 300, 0.2, "crops"), cache_meta(INFO, 300, 0.2, "crops")
    assert before[0] != cache_path(cache, INFO, 300, 0.2, 1) != cache_path(cache, INFO, 300, 0.2, 2)
    monkeypatch.setattr(motion_crops, "MIN_SIDE", motion_crops.MIN_SIDE + 0.1)
    after = cache_path(cache, INFO, 300, 0.2, "crops"), cache_meta(INFO, 300, 0.2, "crops")
    assert after[0] != before[0] and after[1] != before[1]


def test_a_movenet_run_labels_and_keys_its_cache_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Path("/cache")
    ssdlite = cache_path(cache, INFO, 256, 0.2, "auto"), setting_label((256, 0.3, "auto"))
    monkeypatch.setitem(MODEL, "name", "movenet")
    movenet = cache_path(cache, INFO, 256, 0.2, "auto"), setting_label((256, 0.3, "auto"))
    assert ssdlite == (cache / "SEQ_256_0.2_t2o0.15.npz", "256:0.3:auto")  # SSDLite's names of before
    assert movenet == (cache / "SEQ_movenet256_0.2_t2o0.15.npz", "movenet256:0.3:auto")


def test_speed_models_are_a_known_model_and_an_input_size() -> None:
    assert parse_speed_model("movenet:256") == ("movenet", 256)
    assert parse_speed_model("ssdlite:300") == ("ssdlite", 300)
    for bad in ("yolo:256", "movenet", "movenet:big", "ssdlite:64"):
        with pytest.raises(argparse.ArgumentTypeError, match="MODEL:SIZE"):
            parse_speed_model(bad)
