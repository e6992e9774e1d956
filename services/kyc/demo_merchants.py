"""``branchops kyc demo-merchants``: invented merchant applicants for ``make run`` (issue 25 item 5), so a
newcomer manager finds cases on the officer's review page (/officer) instead of an empty list.

DEV/DEMO CODE. It acts as a kiosk (API key from ``BRANCHOPS_SIM_KIOSK_KEY``, never on the command line) and
takes each case to review through the KYC HTTP API, with documents rendered by the bench's corpus
(``bench/kyc/merchant_corpus.py``) and the selfie sequence of ``bench/kyc/genuine_faces.py``. The bench
modules are imported inside :func:`seed` only: they are test and demo code, not part of the service.

The applicants, in turn (``--cases`` takes that many, cycling):

- ``approvable``: the card's photo and the selfie are two photos of the same man: every check passes.
- ``impostor``: another person's selfie: the face check fails and approval stays blocked (the officer
  rejects or asks for more).
- ``photocopy``: the same man, documents photographed as a photocopy: fields the reader may get wrong, for
  the officer to correct.

Without the cached face pictures (``make test-data``) or a CJK font (the documents' text), it prints one
line saying why no case was made and exits 0: the rest of ``make run`` goes on without the demo cases.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx

KEY_ENV = "BRANCHOPS_SIM_KIOSK_KEY"
CASES = "/v1/kyc/merchant-cases"
KIOSK_ID = "kiosk-demo"
RETRY_STATUSES = frozenset({429, 502, 503, 504})  # warming up, or too many at once: ask again later
ATTEMPTS = 40  # per request; with the waits below about five minutes of a service warming up
LONGEST_WAIT_S = 10.0
NONE_MADE = "demo-merchants: no demo merchant case made: "
REPO_ROOT = Path(__file__).resolve().parents[2]


class ServiceUnavailable(RuntimeError):
    """The KYC service did not answer at all, however long it was given: no point trying the next case."""


@dataclass(frozen=True)
class Applicant:
    """One demo case: what it shows the officer, the corpus seed it starts from, how it is photographed and
    whose selfie it sends."""

    kind: str
    seed: int
    condition: str
    selfie: str  # "same" (the card's person) or "other" (another person)


KINDS: tuple[tuple[str, str, str], ...] = (
    ("approvable", "clean", "same"),
    ("impostor", "clean", "other"),
    ("photocopy", "photocopy", "same"),
)


def applicants(cases: int, seed: int) -> list[Applicant]:
    """The demo's cases in order: the kinds in turn, each from its own corpus seed."""
    made = []
    for i in range(cases):
        kind, condition, selfie = KINDS[i % len(KINDS)]
        made.append(Applicant(kind, seed + 10 * i, condition, selfie))
    return made


def why_no_demo(
    bench_importable: Callable[[], bool], font: Callable[[], object | None], pictures_cached: Callable[[], bool]
) -> str | None:
    """Why no demo case can be made on this machine (one line), or None when everything is there. Asked in
    this order: the later questions import the bench."""
    if not bench_importable():
        return f"{NONE_MADE}the bench corpus (bench/) is not importable from {Path.cwd()}"
    if font() is None:
        return f"{NONE_MADE}no CJK font to render documents (apt-get install fonts-noto-cjk)"
    if not pictures_cached():
        return f"{NONE_MADE}face pictures not cached (make test-data)"
    return None


def _bench_importable() -> bool:
    """bench/ is a folder of the repository, not an installed package: importable from the repository's root
    (where ``make run`` starts), else from the checkout this module lives in."""
    try:
        import bench.kyc.merchant_corpus  # noqa: F401
    except ImportError:
        if not (REPO_ROOT / "bench" / "kyc").is_dir() or str(REPO_ROOT) in sys.path:
            return False
        sys.path.append(str(REPO_ROOT))
        return _bench_importable()
    return True


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> httpx.Response:
    """One call, asked again politely while the service warms up (no connection yet, 503, 429: waits its
    Retry-After or a growing pause). Anything else is the answer."""
    for attempt in range(attempts):
        try:
            answer = client.request(method, url, **kwargs)
        except httpx.ConnectError:
            answer = None
        if answer is not None and answer.status_code not in RETRY_STATUSES:
            return answer
        if attempt == attempts - 1:
            break
        sleep(_pause(answer, attempt))
    if answer is None:
        raise ServiceUnavailable(f"{method} {url}: the KYC service did not answer after {attempts} attempts")
    return answer


def _pause(answer: httpx.Response | None, attempt: int) -> float:
    told = answer.headers.get("Retry-After") if answer is not None else None
    if told and told.isdigit():
        return min(float(told), LONGEST_WAIT_S * 3)
    return min(0.5 * 2**attempt, LONGEST_WAIT_S)


def take_to_review(
    client: httpx.Client,
    branch: str,
    documents: Sequence[tuple[str, bytes]],
    selfie: Callable[[list[str]], dict[str, Any]],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[str, dict[str, Any]]:
    """Open a case as the demo kiosk, upload its documents in order and the selfie sequence built for the
    challenge the service set; the case id and its state (status ``review``)."""
    made = request(client, "POST", CASES, json={"branch_id": branch, "kiosk_id": KIOSK_ID}, sleep=sleep)
    if made.status_code != 201:
        raise RuntimeError(f"open case: {made.status_code} {made.text[:200]}")
    cid = str(made.json()["case_id"])
    state: dict[str, Any] = {}
    for step, data in documents:
        got = request(
            client, "POST", f"{CASES}/{cid}/{step}", content=data, headers={"Content-Type": "image/jpeg"}, sleep=sleep
        )
        if got.status_code != 200:
            raise RuntimeError(f"{step}: {got.status_code} {got.text[:200]}")
        state = got.json()["case"]
    got = request(client, "POST", f"{CASES}/{cid}/selfie", json=selfie(list(state["challenge"])), sleep=sleep)
    if got.status_code != 200 or got.json().get("status") != "review":
        raise RuntimeError(f"selfie: {got.status_code} {got.text[:200]}")
    return cid, got.json()


def seed(args: argparse.Namespace, client: httpx.Client | None = None) -> int:
    """The command: make the demo cases, one line each; 0 when done (or when the machine cannot make them)."""
    key = os.environ.get(KEY_ENV, "")
    if not key:
        print(f"demo-merchants: a kiosk API key is needed in {KEY_ENV}", file=sys.stderr)
        return 2
    missing = why_no_demo(_bench_importable, _font, _pictures_cached)
    if missing:
        print(missing, flush=True)
        return 0
    owned = client is None
    client = client or httpx.Client(base_url=args.kyc_url, headers={"X-API-Key": key}, timeout=300)
    try:
        return _seed_cases(client, args.branch, applicants(args.cases, args.seed))
    finally:
        if owned:
            client.close()


def _font() -> object | None:
    from bench.kyc import fonts

    return fonts.cjk_font_location()


def _pictures_cached() -> bool:
    from bench.kyc import genuine_faces

    return all(genuine_faces.picture(name) is not None for name in (genuine_faces.ID_PHOTO, genuine_faces.SELFIE))


def _seed_cases(client: httpx.Client, branch: str, wanted: list[Applicant]) -> int:
    from bench.kyc import genuine_faces
    from bench.kyc.merchant_corpus import male_merchant_case
    from services.kyc.adapters.face_models import FaceEngine

    engine = FaceEngine()
    card = genuine_faces.picture(genuine_faces.ID_PHOTO)
    assert card is not None  # checked by why_no_demo
    photo = genuine_faces.id_photo(card, engine.detect(card, 1280)[0], (220, 280))
    selfies = {"same": genuine_faces.SELFIE, "other": genuine_faces.IMPOSTOR}
    made = 0
    for applicant in wanted:
        case = male_merchant_case(applicant.seed, date.today(), applicant.condition, photo=photo)
        picture = genuine_faces.picture(selfies[applicant.selfie])
        if picture is None:
            print(f"demo-merchants: {applicant.kind}: its selfie picture is not cached; skipped", flush=True)
            continue

        def frames(challenge: list[str], picture: Any = picture) -> dict[str, Any]:
            sequence = genuine_faces.challenge_frames(picture, lambda image: engine.detect(image, 640), challenge)
            return {"frames": [{"image": base64.b64encode(f).decode(), "t_ms": t} for f, t in sequence]}

        documents = [("licence", case.licence), ("id-card", case.portrait), ("id-card", case.emblem)]
        try:
            cid, _ = take_to_review(client, branch, documents, frames)
        except ServiceUnavailable as error:
            print(f"demo-merchants: stopped: {error}", flush=True)
            return 1
        except (RuntimeError, httpx.HTTPError) as error:
            print(f"demo-merchants: {applicant.kind} case not made: {error}", flush=True)
            continue
        made += 1
        print(f"demo-merchants: case {cid} ({applicant.kind}, {case.firm.name}) waits for review", flush=True)
    print(f"demo-merchants: {made} of {len(wanted)} demo cases wait at branch {branch} (/officer, manager login)")
    return 0 if made or not wanted else 1
