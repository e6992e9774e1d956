"""Merchant onboarding cases for tests and bench/merchant_review.py: a rendered business licence whose legal
representative is the holder of a rendered ID card (both sides), in the realistic variations of issue 25
(spaced labels, both licence formats, seals, copy watermarks) and photographic conditions. Invented data,
rendered in memory; dates relative to ``today``."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date

import numpy as np

from bench.kyc.conditions import REALISTIC_CONDITIONS
from bench.kyc.expected import emblem_fields, licence_fields, portrait_fields
from bench.kyc.genuine_faces import paste_photo
from bench.kyc.identities import InventedFirm, InventedPerson, invented_firm, invented_person
from bench.kyc.render import render_id_emblem_realistic, render_id_portrait_realistic, render_licence_realistic


@dataclass(frozen=True)
class MerchantCase:
    seed: int
    condition: str
    person: InventedPerson
    firm: InventedFirm
    licence: bytes
    portrait: bytes
    emblem: bytes

    def truth(self) -> dict[str, dict[str, str]]:
        """The fields the officer must end up with, by document."""
        return {
            "licence": licence_fields(self.firm),
            "portrait": portrait_fields(self.person),
            "emblem": emblem_fields(self.person),
        }


def merchant_case(
    seed: int, today: date, condition: str = "clean", rare: bool = False, photo: np.ndarray | None = None
) -> MerchantCase:
    """One applicant: the firm's legal representative is the card's holder (same name). ``photo`` (BGR, see
    genuine_faces.id_photo) goes in the card's photo box instead of the drawn silhouette."""
    rng = random.Random(f"merchant-{seed}")
    person = invented_person(rng, today, rare=rare)
    firm = dataclasses.replace(invented_firm(rng, rare=rare), legal_representative=person.name)
    photograph = REALISTIC_CONDITIONS[condition]
    licence = render_licence_realistic(firm, rng)
    portrait = render_id_portrait_realistic(person, rng)
    return MerchantCase(
        seed,
        condition,
        person,
        firm,
        photograph(licence, rng),
        photograph(portrait if photo is None else paste_photo(portrait, photo), rng),
        photograph(render_id_emblem_realistic(person, rng), rng),
    )


def male_merchant_case(
    seed: int, today: date, condition: str = "clean", photo: np.ndarray | None = None, tries: int = 50
) -> MerchantCase:
    """The first applicant from ``seed`` on whose card holder is a man (the real face pictures of
    bench/kyc/genuine_faces.py show a man; about every other invented person is one)."""
    for s in range(seed, seed + tries):
        case = merchant_case(s, today, condition, photo=photo)
        if case.person.sex == "男":
            return case
    raise LookupError(f"no male applicant in seeds {seed}..{seed + tries - 1}")
