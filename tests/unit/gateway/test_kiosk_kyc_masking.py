"""A kiosk gets the card's fields only as the KYC service's masked copy."""

from __future__ import annotations

import json

import pytest
from fastapi import Response

from branchops.web import Problem
from services.gateway.routes.kiosk import masked_document_answer

FULL = {"name": "叶小明", "id_number": "510104199001017551", "address": "四川省成都市锦江区某路1号"}
MASKED = {"name": "叶**", "id_number": "5101**********7551", "address": "四川省成都市***"}


def answer(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status_code=status, media_type="application/json")


def test_id_card_fields_are_replaced_by_the_masked_copy() -> None:
    body = {
        "side": "portrait",
        "fields": FULL,
        "checks": {"id_checksum": True},
        "session": {"documents": {"portrait": {"fields": MASKED}}, "status": "awaiting_selfie"},
    }
    got = masked_document_answer(answer(body))
    text = bytes(got.body).decode()
    assert got.status_code == 200 and json.loads(text)["fields"] == MASKED
    assert json.loads(text)["checks"] == {"id_checksum": True}
    assert all(value not in text for value in FULL.values()), "no full value anywhere in the answer"


def test_licence_answers_use_the_licence_entry() -> None:
    body = {
        "fields": {"legal_representative": "王大明"},
        "session": {"documents": {"licence": {"fields": {"legal_representative": "王**"}}}},
    }
    got = json.loads(bytes(masked_document_answer(answer(body)).body))
    assert got["fields"] == {"legal_representative": "王**"}


def test_errors_pass_through_and_an_unmaskable_answer_is_refused() -> None:
    problem = answer({"title": "No card", "status": 422}, 422)
    assert masked_document_answer(problem) is problem
    with pytest.raises(Problem) as refused:
        masked_document_answer(answer({"side": "portrait", "fields": FULL}))
    assert refused.value.status == 502 and "510104199001017551" not in refused.value.detail
