"""Real public KYC specimens (issue 25 item 1): the manifest, where each image lies, and its score.

The manifest (bench/kyc/specimens.json) holds text only: per document the repository, commit and path it
was taken from, its sha256, the repository's licence, its kind (``portrait`` / ``emblem`` / ``licence``,
the kinds of bench/kyc_ocr.py) and the hand-checked true fields. The images themselves stay outside the
repository (``local_name`` says what each file is called in the specimen directory).

Privacy: only cards that present themselves as samples (``marked_specimen``, invented holders) keep their
true fields in clear (``fields``). A photographed card without a sample marking may show a real person, so
its truth is kept as ``fields_scrypt``: per field a salted scrypt digest of the true value (salt: the
image's sha256 and the field name), enough to tell whether a reading is exact and useless as a list of
names, addresses and ID numbers. Misses of such cards are shown masked, never with the true value.

Scoring is bench/kyc_ocr.py's own (``score`` into a ``Tally``): fields exact, whole documents exact,
wrong numbers passing their checks, silent errors (misread fields on a document whose checks say ok),
documents not ok (review or rejected).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.kyc_ocr import Sample, Tally, score
from services.kyc.domain.masking import mask_credit_code, mask_id_number

MANIFEST = Path(__file__).resolve().parent / "specimens.json"
KINDS = ("portrait", "emblem", "licence")
NUMBER_FIELDS = {"id_number": mask_id_number, "credit_code": mask_credit_code}
HIDDEN = "(hidden)"  # what stands for a true value kept only as a digest
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def field_digest(image_sha256: str, name: str, value: str) -> str:
    """The salted scrypt digest of a true field value (how a photographed card's truth is kept)."""
    salt = bytes.fromhex(image_sha256) + name.encode()
    return hashlib.scrypt(value.encode("utf-8"), salt=salt, **SCRYPT).hex()


def masked_text(name: str, value: Any) -> Any:
    """A value of a card that may show a real person: numbers masked, a name to its first character, an
    address to its first six characters (province and prefecture), other fields (sex, dates) as they are."""
    if not isinstance(value, str):
        return value
    if name in NUMBER_FIELDS:
        return NUMBER_FIELDS[name](value)
    if name in ("name", "legal_representative"):
        return value[:1] + "*" * (len(value) - 1)
    if name == "address":
        return value[:6] + ("…" if len(value) > 6 else "")
    return value


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
    digests: dict[str, str] = field(default_factory=dict)  # field -> field_digest of the true value

    @property
    def field_names(self) -> list[str]:
        return sorted(self.fields) if self.fields else sorted(self.digests)

    def truth_for(self, got: dict[str, Any]) -> dict[str, str]:
        """The true fields as far as scoring ``got`` needs them: in clear for samples; for a digest-kept card
        the value read where its digest matches, else a stand-in that matches no reading."""
        if self.fields:
            return dict(self.fields)
        return {
            name: value
            if isinstance(value := got.get(name), str) and field_digest(self.sha256, name, value) == digest
            else HIDDEN
            for name, digest in self.digests.items()
        }

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
            fields=dict(entry.get("fields", {})),
            marked_specimen=bool(entry.get("marked_specimen", False)),
            note=entry.get("note", ""),
            digests=dict(entry.get("fields_scrypt", {})),
        )
        if specimen.kind not in KINDS:
            raise ValueError(f"{specimen.id}: kind {specimen.kind!r} is none of {KINDS}")
        if specimen.id in seen:
            raise ValueError(f"{specimen.id}: id given twice")
        if len(specimen.sha256) != 64 or not (specimen.fields or specimen.digests):
            raise ValueError(f"{specimen.id}: a sha256 of 64 hex digits and the true fields are needed")
        if specimen.fields and not specimen.marked_specimen:
            raise ValueError(f"{specimen.id}: a card without a sample marking keeps its truth as fields_scrypt only")
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


def as_sample(specimen: Specimen, image: bytes, result: dict[str, Any] | None = None) -> Sample:
    """The specimen as bench/kyc_ocr.py's sample (its source repository stands for the condition); for a
    digest-kept card the truth is resolved against ``result``'s reading (see ``Specimen.truth_for``)."""
    expected = specimen.truth_for((result or {}).get("fields") or {})
    return Sample(condition=specimen.repo, kind=specimen.kind, image=image, expected=expected)


def score_specimen(specimen: Specimen, result: dict[str, Any] | None) -> Tally:
    """One document's tally, by bench/kyc_ocr.py's ``score``; ``result`` None when the reader gave up."""
    tally = Tally()
    score(as_sample(specimen, b"", result), result, tally)
    return tally


def misses(specimen: Specimen, result: dict[str, Any] | None) -> dict[str, tuple[str, Any]]:
    """{field: (true value or HIDDEN, value read)} of the fields read wrong."""
    got = result["fields"] if result else {}
    truth = specimen.truth_for(got)
    return {name: (value, got.get(name)) for name, value in truth.items() if got.get(name) != value}


def shown(name: str, value: Any, specimen: Specimen | None = None) -> Any:
    """A value fit for a log or a committed result: ID numbers and credit codes masked; of a card that may
    show a real person (no sample marking) names and addresses masked too."""
    if specimen is not None and not specimen.marked_specimen:
        return masked_text(name, value)
    mask = NUMBER_FIELDS.get(name)
    return mask(value) if mask and isinstance(value, str) else value
