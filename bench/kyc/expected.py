"""The fields a reader should return for an invented person or firm (the bench's ground truth)."""

from __future__ import annotations

from bench.kyc.identities import InventedFirm, InventedPerson


def portrait_fields(person: InventedPerson) -> dict[str, str]:
    return {
        "name": person.name,
        "sex": person.sex,
        "ethnicity": person.ethnicity,
        "birth_date": person.birth_date.isoformat(),
        "address": person.address,
        "id_number": person.id_number,
    }


def emblem_fields(person: InventedPerson) -> dict[str, str]:
    return {
        "issuing_authority": person.issuing_authority,
        "valid_from": person.valid_from.isoformat(),
        "valid_to": "长期" if person.valid_to is None else person.valid_to.isoformat(),
    }


def licence_fields(firm: InventedFirm) -> dict[str, str]:
    return {
        "name": firm.name,
        "credit_code": firm.credit_code,
        "type": firm.type,
        "legal_representative": firm.legal_representative,
        "registered_capital": firm.registered_capital,
        "address": firm.address,
        "established": firm.established.isoformat(),
    }
