"""``branchops kyc ...``: one JSON line per image, the OCR reader and the face engine built once per command."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from branchops.cli import main
from services.kyc.adapters import face_models, rapid_ocr
from services.kyc.domain.errors import NotAnImageError
from services.kyc.usecases import documents, faces

TODAY = date(2025, 6, 1)


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_id_card_builds_one_reader_for_all_images(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built: list[object] = []
    monkeypatch.setattr(rapid_ocr, "build_document_reader", lambda: built.append(object()) or built[-1])

    def read(data: bytes, *, today: date, reader: object) -> dict[str, Any]:
        assert reader is built[0] and today == TODAY
        if data == b"junk":
            raise NotAnImageError("the bytes are no image")
        return {"side": "portrait", "fields": {}, "checks": {"ok": True}, "confidence": 1.0}

    monkeypatch.setattr(documents, "read_id_card", read)
    paths = []
    for name, data in (("a.jpg", b"a"), ("b.jpg", b"b"), ("c.jpg", b"junk")):
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    assert main(["kyc", "id-card", *paths, "--today", TODAY.isoformat()]) == 1
    rows = lines(capsys.readouterr().out)
    assert len(built) == 1, "one OCR reader per command, not per image"
    assert [r["input"] for r in rows] == paths
    assert rows[2]["reason"] == "not_an_image" and "side" in rows[0]


def test_verify_builds_one_face_engine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built: list[object] = []
    monkeypatch.setattr(face_models, "FaceEngine", lambda: built.append(object()) or built[-1])

    def verify(document: bytes, selfie: bytes, thresholds: Any, *, engine: object) -> dict[str, Any]:
        assert (document, selfie, engine) == (b"doc", b"me", built[0])
        return {"decision": "approve"}

    monkeypatch.setattr(faces, "verify", verify)
    (tmp_path / "doc.jpg").write_bytes(b"doc")
    (tmp_path / "me.jpg").write_bytes(b"me")
    assert main(["kyc", "verify", "--document", str(tmp_path / "doc.jpg"), "--selfie", str(tmp_path / "me.jpg")]) == 0
    assert len(built) == 1 and lines(capsys.readouterr().out)[0]["decision"] == "approve"


def test_id_card_reads_rendered_cards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The real OCR models on two rendered sides of one invented card (skipped without rapidocr or a CJK font)."""
    pytest.importorskip("rapidocr")
    fonts = pytest.importorskip("bench.kyc.fonts")
    if fonts.cjk_font_location() is None:
        pytest.skip("no CJK font installed (apt-get install -y fonts-noto-cjk)")
    from bench.kyc.conditions import CONDITIONS
    from bench.kyc.identities import invented_person
    from bench.kyc.render import render_id_emblem, render_id_portrait

    rng = random.Random("cli")
    person = invented_person(rng, TODAY)
    portrait, emblem = tmp_path / "portrait.jpg", tmp_path / "emblem.jpg"
    portrait.write_bytes(CONDITIONS["clean"](render_id_portrait(person, rng), rng))
    emblem.write_bytes(CONDITIONS["clean"](render_id_emblem(person, rng), rng))
    assert main(["kyc", "id-card", str(portrait), str(emblem), "--today", TODAY.isoformat()]) == 0
    rows = lines(capsys.readouterr().out)
    assert [(r["input"], r["side"]) for r in rows] == [(str(portrait), "portrait"), (str(emblem), "emblem")]
    assert rows[0]["fields"]["name"] == person.name
