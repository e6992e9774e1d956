"""Real public KYC specimens (issue 25 item 1): the manifest, where each image lies, and its score.

The manifest (bench/kyc/specimens.json) holds text only: per document the repository, commit and path it
was taken from, its sha256, the repository's licence, its kind (``portrait`` / ``emblem`` / ``licence``,
the kinds of bench/kyc_ocr.py) and the hand-checked true fields. The images themselves stay outside the
repository (``local_name`` says what each file is called in the specimen directory).

Scoring is bench/kyc_ocr.py's own (``score`` into a ``Tally``): fields exact, whole documents exact,
wrong numbers passing their checks, silent errors (misread fields on a document whose checks say ok),
documents not ok (review or rejected).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.kyc_ocr import Sample, Tally, score
from services.kyc.domain.masking import mask_credit_code, mask_id_number

MANIFEST = Path(__file__).resolve().parent / "specimens.json"
KINDS = ("portrait", "emblem", "licence")
NUMBER_FIELDS = {"id_number": mask_id_number, "credit_code": mask_credit_code}


@dataclass(frozen=True)
class Specimen:
    id: str
    repo: str
    commit: str
    path: str
    sha256: str
    licence: str
    kind: str
    fields: dict[str, str]
    marked_specimen: bool = False
    note: str = ""

    @property
    def local_name(self) -> str:
        """The file's name in the specimen directory: ``owner__name__dir__file.jpg``."""
        return f"{self.repo.replace('/', '__')}__{self.path.replace('/', '__')}"


def parse_manifest(data: dict[str, Any]) -> list[Specimen]:
    """The documents of a manifest; a ValueError names the first malformed one."""
    specimens = []
    seen: set[str] = set()
    for entry in data["documents"]:
        specimen = Specimen(
            id=entry["id"],
            repo=entry["repo"],
            commit=entry["commit"],
            path=entry["path"],
            sha256=entry["sha256"],
            licence=entry["licence"],
            kind=entry["kind"],
            fields=dict(entry["fields"]),
            marked_specimen=bool(entry.get("marked_specimen", False)),
            note=entry.get("note", ""),
        )
        if specimen.kind not in KINDS:
            raise ValueError(f"{specimen.id}: kind {specimen.kind!r} is none of {KINDS}")
        if specimen.id in seen:
            raise ValueError(f"{specimen.id}: id given twice")
        if len(specimen.sha256) != 64 or not specimen.fields:
            raise ValueError(f"{specimen.id}: a sha256 of 64 hex digits and the true fields are needed")
        seen.add(specimen.id)
        specimens.append(specimen)
    return specimens


def load_manifest(path: Path = MANIFEST) -> list[Specimen]:
    return parse_manifest(json.loads(path.read_text(encoding="utf-8")))


def image_of(specimen: Specimen, directory: Path) -> bytes | None:
    """The specimen's bytes from ``directory``; None when the file is missing or is not the one recorded."""
    file = directory / specimen.local_name
    if not file.is_file():
        return None
    data = file.read_bytes()
    return data if hashlib.sha256(data).hexdigest() == specimen.sha256 else None


def as_sample(specimen: Specimen, image: bytes) -> Sample:
    """The specimen as bench/kyc_ocr.py's sample (its source repository stands for the condition)."""
    return Sample(condition=specimen.repo, kind=specimen.kind, image=image, expected=dict(specimen.fields))


def score_specimen(specimen: Specimen, result: dict[str, Any] | None) -> Tally:
    """One document's tally, by bench/kyc_ocr.py's ``score``; ``result`` None when the reader gave up."""
    tally = Tally()
    score(as_sample(specimen, b""), result, tally)
    return tally


def misses(specimen: Specimen, result: dict[str, Any] | None) -> dict[str, tuple[str, Any]]:
    """{field: (true value, value read)} of the fields read wrong."""
    got = result["fields"] if result else {}
    return {name: (value, got.get(name)) for name, value in specimen.fields.items() if got.get(name) != value}


def shown(name: str, value: Any) -> Any:
    """A value fit for a log or a committed result: ID numbers and credit codes masked, the rest as read."""
    mask = NUMBER_FIELDS.get(name)
    return mask(value) if mask and isinstance(value, str) else value
