"""A short branch day through the public APIs: tickets and windows, staffing reads, a KYC session with a
rendered ID card, and NLU and dialogue turns that carry a name, a phone number, account digits and the ID
number. Every identity is invented; images exist only in memory."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import numpy as np
from PIL import Image

from bench.kyc.identities import InventedPerson, invented_person
from bench.kyc.render import render_id_portrait
from bench.kyc.synthetic_faces import card_with_portrait, encode, face_picture
from branchops.settings import Role
from tests.audit.stack import AuditStack
from tests.conftest import api_key

BRANCH = "audit-b1"
SPOKEN_NAME = "欧阳明轩"
LATIN_NAME = "Ouyang Mingxuan"
PHONE = "13987654321"
PHONE_SPACED = "139 8765 4321"
ACCOUNT = "6217001234567890123"
ACCOUNT_SPACED = "6217 0012 3456 7890 123"
Call = Callable[..., httpx.Response]


@dataclass
class Day:
    person: InventedPerson
    statuses: list[tuple[str, int]] = field(default_factory=list)

    def needles(self) -> dict[str, str]:
        """What must never appear unmasked (label -> value)."""
        return {
            "card holder's name": self.person.name,
            "card ID number": self.person.id_number,
            "card ID number (first 17)": self.person.id_number[:17],
            "spoken name": SPOKEN_NAME,
            "latin name": LATIN_NAME,
            "phone": PHONE,
            "phone (spaced)": PHONE_SPACED,
            "account": ACCOUNT,
            "account (spaced)": ACCOUNT_SPACED,
            "card address": self.person.address,
        }


def _headers(role: Role) -> dict[str, str]:
    return {"X-API-Key": api_key(role)}


def card_photo(person: InventedPerson, rng: random.Random) -> bytes:
    card = render_id_portrait(person, rng)
    card.paste(Image.fromarray(face_picture(220, 280)[:, :, ::-1]), (580, 60))
    photo = card_with_portrait(np.zeros((4, 4, 3), np.uint8))
    photo[90:630, 112:968] = np.asarray(card)[:, :, ::-1]
    return encode(photo)


def utterances(person: InventedPerson) -> list[str]:
    return [
        f"你好，我叫{SPOKEN_NAME}，我想转账",
        f"转给{SPOKEN_NAME}，账号{ACCOUNT}，五千元",
        f"我的手机号是{PHONE_SPACED}",
        f"我的身份证号是{person.id_number}",
        f"卡号 {ACCOUNT_SPACED} 手机 {PHONE}",
        "我要找人工",
    ]


def run_day(stack: AuditStack, seed: int = 7) -> Day:
    rng = random.Random(seed)
    day = Day(invented_person(rng, date.today()))
    with httpx.Client(timeout=60) as http:

        def call(
            method: str, name: str, path: str, role: Role, *, headers: dict[str, str] | None = None, **kwargs: Any
        ) -> httpx.Response:
            reply = http.request(method, stack.url(name, path), headers={**_headers(role), **(headers or {})}, **kwargs)
            day.statuses.append((f"{method} {name} {path}", reply.status_code))
            return reply

        _queue(call)
        call("GET", "staffing", f"/v1/branches/{BRANCH}/ticket-counts", Role.MANAGER)
        _kyc(call, day.person, rng)
        _voice(call, day.person)
    return day


def _queue(call: Call) -> None:
    base = f"/v1/branches/{BRANCH}"
    for window in ("w1", "w2"):
        call(
            "PUT",
            "queue",
            f"{base}/windows/{window}",
            Role.MANAGER,
            json={"state": "open", "skills": ["cash", "general"], "staff_id": f"staff-{window}"},
        )
    for service in ("cash", "general", "cash", "fx"):
        call("POST", "queue", f"{base}/tickets", Role.KIOSK, json={"service": service})
    for window in ("w1", "w2"):
        called = call("POST", "queue", f"{base}/windows/{window}/call-next", Role.TELLER)
        if called.status_code == 200:
            call("POST", "queue", f"{base}/tickets/{called.json()['ticket_id']}/complete", Role.TELLER)


def _kyc(call: Call, person: InventedPerson, rng: random.Random) -> None:
    photo = card_photo(person, rng)
    jpeg = {"Content-Type": "image/jpeg"}
    call("POST", "kyc", "/v1/ocr/id-card", Role.KIOSK, content=photo, headers=jpeg)
    created = call("POST", "kyc", "/v1/kyc/sessions", Role.KIOSK, json={"branch_id": BRANCH, "kiosk_id": "kiosk-1"})
    sid = created.json()["session_id"]
    call("POST", "kyc", f"/v1/kyc/sessions/{sid}/documents", Role.KIOSK, content=photo, headers=jpeg)
    frames = [
        {"image": base64.b64encode(encode(face_picture(seed=i, yaw=(-0.6, 0, 0.6)[i % 3]))).decode(), "t_ms": i * 250}
        for i in range(8)
    ]
    call("POST", "kyc", f"/v1/kyc/sessions/{sid}/selfie", Role.KIOSK, json={"frames": frames})
    call("GET", "kyc", f"/v1/kyc/sessions/{sid}", Role.KIOSK)


def _voice(call: Call, person: InventedPerson) -> None:
    texts = utterances(person)
    for text in [*texts, f"My name is {LATIN_NAME}, phone {PHONE}, account {ACCOUNT_SPACED}, ID {person.id_number}"]:
        call("POST", "voice", "/v1/nlu", Role.KIOSK, json={"text": text})
    for service in ("voice", "gateway"):  # directly, and relayed by the gateway
        started = call(
            "POST",
            service,
            f"/v1/branches/{BRANCH}/dialogue/sessions",
            Role.KIOSK,
            json={"kiosk_id": "kiosk-1"} if service == "voice" else {},
        )
        sid = started.json()["session_id"]
        for text in texts:
            call(
                "POST", service, f"/v1/branches/{BRANCH}/dialogue/sessions/{sid}/turns", Role.KIOSK, json={"text": text}
            )
