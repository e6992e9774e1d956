"""Merchant onboarding review effort (issue 25 item 5c): what the officer must type or correct per case when
the review screen is prefilled from OCR, against typing every field by hand.

1. Fields (in process, no servers): the realistic rendered corpus (bench/kyc/merchant_corpus.py: a licence
   and the legal representative's ID card, both sides, of the same invented person; every realistic
   condition) is read by the KYC reader and put on the officer's review sheet (services/kyc/domain/
   merchant.py). Per case: fields wrong (the officer must correct them), fields flagged (low confidence or a
   failed check: the officer looks at them), silent errors (wrong but not flagged), against every field typed.
2. Time (``--browser``): a fresh dev stack (broker, throw-away Redis) with the KYC and gateway processes; each
   case goes through the KYC API (licence, both card sides, a selfie sequence of the card's real person,
   bench/kyc/genuine_faces.py) to review; a scripted officer in Debian's chromium opens the case on /officer
   and approves it, (a) prefilled: typing only the wrong fields; (b) blank (?blank=1): typing every field.
   The cases cycle through the realistic conditions.
   The script types at ``--key-ms`` per character (a modelled typist; reading time is not modelled), so the
   times compare the typing each way needs, on this machine's page.

    .venv/bin/python bench/merchant_review.py [--cases 6] [--browser --browser-cases 3 --key-ms 80]
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import secrets
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, median, percentile, write_result
from bench.kyc.conditions import REALISTIC_CONDITIONS
from bench.kyc.merchant_corpus import MerchantCase, merchant_case
from services.kyc.domain import merchant

CASES = "/v1/kyc/merchant-cases"


# --- 1. fields ------------------------------------------------------------------------------------------


def read_case(case: MerchantCase, reader: Any, today: date) -> dict[str, dict[str, Any]]:
    """The three documents as the KYC service reads them (fields, checks, confidences)."""
    from services.kyc.usecases import documents

    docs: dict[str, dict[str, Any]] = {"licence": documents.read_business_licence(case.licence, reader=reader)}
    for data in (case.portrait, case.emblem):
        birth = docs.get("portrait", {}).get("fields", {}).get("birth_date")
        result = documents.read_id_card(
            data, today=today, holder_birth_date=date.fromisoformat(birth) if birth else None, reader=reader
        )
        docs[result["side"]] = result
    return docs


def effort(case: MerchantCase, docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Fields wrong, flagged and silently wrong on the review sheet of one case (face and liveness taken as
    passed: they are not fields)."""
    checks = merchant.flat_checks(docs, merchant.cross_checks(docs, {"decision": "approved"}, {"passed": True}))
    truth = case.truth()
    rows = merchant.review_sheet(docs, checks)
    wrong = [f"{r.document}.{r.name}" for r in rows if r.value != truth[r.document][r.name]]
    flagged = [f"{r.document}.{r.name}" for r in rows if not r.ok]
    return {
        "seed": case.seed,
        "condition": case.condition,
        "fields": len(rows),
        "characters": sum(len(truth[r.document][r.name]) for r in rows),
        "wrong": wrong,
        "flagged": flagged,
        "silent": sorted(set(wrong) - set(flagged)),
        "characters_to_type": sum(len(truth[k.split(".")[0]][k.split(".")[1]]) for k in wrong),
    }


def fields_report(per_condition: int, today: date) -> dict[str, Any]:
    from services.kyc.adapters.rapid_ocr import build_document_reader

    reader = build_document_reader()
    results = []
    for condition in REALISTIC_CONDITIONS:
        for seed in range(per_condition):
            case = merchant_case(seed, today, condition)
            try:
                results.append(effort(case, read_case(case, reader, today)))
            except ValueError as error:  # a document the reader refused: every field typed by hand
                fields = sum(len(v) for v in case.truth().values())
                results.append({"seed": seed, "condition": condition, "refused": str(error), "fields": fields})
            print(f"  {condition:<13} seed {seed}: {results[-1].get('wrong', 'refused')}", file=sys.stderr)
    n = len(results)
    fields = sum(r["fields"] for r in results)
    to_type = sum(len(r["wrong"]) if "wrong" in r else r["fields"] for r in results)
    flagged = sum(len(r.get("flagged", [])) for r in results)
    silent = sum(len(r.get("silent", [])) for r in results)
    chars_all = sum(r.get("characters", 0) for r in results)
    chars_typed = sum(r.get("characters_to_type", 0) for r in results)
    return {
        "cases": n,
        "fields_per_case": round(fields / n, 2),
        "fields_to_type_or_correct_per_case": round(to_type / n, 3),
        "fields_typed_by_hand_per_case": round(fields / n, 2),
        "field_reduction": round(1 - to_type / fields, 4),
        "characters_to_type_per_case": round(chars_typed / n, 2),
        "characters_by_hand_per_case": round(chars_all / n, 2),
        "flagged_per_case": round(flagged / n, 3),
        "silent_errors": silent,
        "refused_documents": sum(1 for r in results if "refused" in r),
        "per_condition": {
            c: {
                "cases": len(rs := [r for r in results if r["condition"] == c]),
                "fields_to_correct": sum(len(r["wrong"]) if "wrong" in r else r["fields"] for r in rs),
                "flagged": sum(len(r.get("flagged", [])) for r in rs),
                "silent": sum(len(r.get("silent", [])) for r in rs),
            }
            for c in REALISTIC_CONDITIONS
        },
        "cases_detail": results,
    }


# --- 2. a case through the API, and the scripted officer ----------------------------------------------------


def to_review(kyc: httpx.Client, branch: str, case: MerchantCase, selfie: dict[str, Any] | None = None) -> str:
    """Open a case through the KYC API as a kiosk and take it to review; its id. ``selfie``: the frames body
    (built by the caller for the case's challenge) or None to build it from bench/kyc/genuine_faces.py."""
    made = kyc.post(CASES, json={"branch_id": branch, "kiosk_id": "kiosk-bench"})
    made.raise_for_status()
    cid = str(made.json()["case_id"])
    headers = {"Content-Type": "image/jpeg"}
    state: dict[str, Any] = {}
    for step, data in (("licence", case.licence), ("id-card", case.portrait), ("id-card", case.emblem)):
        got = kyc.post(f"{CASES}/{cid}/{step}", content=data, headers=headers)
        if got.status_code != 200:
            raise RuntimeError(f"{step}: {got.status_code} {got.text[:200]}")
        state = got.json()["case"]
    body = selfie or selfie_frames(state["challenge"])
    got = kyc.post(f"{CASES}/{cid}/selfie", json=body)
    if got.status_code != 200 or got.json()["status"] != "review":
        raise RuntimeError(f"selfie: {got.status_code} {got.text[:300]}")
    return cid


@functools.cache
def _face_engine() -> Any:
    from services.kyc.adapters.face_models import FaceEngine

    return FaceEngine()


def selfie_frames(challenge: list[str]) -> dict[str, Any]:
    from bench.kyc import genuine_faces

    picture = genuine_faces.picture(genuine_faces.SELFIE)
    if picture is None:
        raise RuntimeError("face pictures not cached: python -m bench.face_match --fetch")
    engine = _face_engine()
    frames = genuine_faces.challenge_frames(picture, lambda image: engine.detect(image, 640), challenge)
    return {"frames": [{"image": base64.b64encode(f).decode(), "t_ms": t} for f, t in frames]}


def officer_review(
    page: Any, base_url: str, cid: str, truth: dict[str, dict[str, str]], *, blank: bool, key_ms: float
) -> dict[str, Any]:
    """The scripted officer on /officer: open the case, type the fields that need it (blank: all of them; else
    those whose prefilled value is wrong), approve. Seconds from the sheet shown to the decision answered."""
    page.goto(f"{base_url}/officer?case={cid}{'&blank=1' if blank else ''}")
    page.wait_for_selector(f"[data-testid='case-id']:text('{cid}')")
    started = time.perf_counter()
    typed_fields = typed_chars = 0
    for doc, fields in truth.items():
        for name, value in fields.items():
            box = page.locator(f"[data-testid='field-{doc}.{name}']")
            if box.input_value() == value:
                continue
            box.fill("")
            box.press_sequentially(value, delay=key_ms)
            typed_fields += 1
            typed_chars += len(value)
    result = {"typed_fields": typed_fields, "typed_chars": typed_chars}
    if page.locator("[data-testid='approve']").is_disabled():  # a blocking check no field fixes (e.g. the face)
        return {**result, "seconds": round(time.perf_counter() - started, 3), "status": None, "decision": "blocked"}
    with page.expect_response(lambda r: r.url.endswith("/decision")) as answer:
        page.click("[data-testid='approve']")
    status = answer.value.status
    if status == 200:
        page.wait_for_selector("[data-testid='done']:visible")
    return {
        **result,
        "seconds": round(time.perf_counter() - started, 3),
        "status": status,
        "decision": answer.value.json().get("status") if status == 200 else answer.value.json().get("reason"),
    }


def browser_report(cases: int, key_ms: float, today: date) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from branchops.devstack import SERVICES, DevStack, LocalRedis
    from services.gateway.domain.passwords import hash_password

    specs = {s.name: s for s in SERVICES}
    password = secrets.token_urlsafe(12)
    branch = f"bench-mr-{secrets.token_hex(3)}"
    keys = {role: f"bench-{role}-{secrets.token_urlsafe(12)}" for role in ("kiosk", "manager", "service")}
    env = {
        "BRANCHOPS_ENV": "development",
        "BRANCHOPS_JWT_SECRET": secrets.token_urlsafe(32),
        "BRANCHOPS_API_KEYS": json.dumps({v: k for k, v in keys.items()}),
        "BRANCHOPS_LOG_LEVEL": "WARNING",
    }
    runs: dict[str, list[dict[str, Any]]] = {"prefilled": [], "blank": []}
    with tempfile.TemporaryDirectory(prefix="bench-merchant-") as logs:
        redis = LocalRedis(log_dir=Path(logs))
        redis.start()
        stack = DevStack(log_dir=Path(logs), redis_url=redis.url).start()
        try:
            kyc_port = stack.start_service(specs["kyc"], env={**env, "KYC_RATE_LIMIT_PER_MINUTE": "1000"})
            users = {"officer": {"password": hash_password(password), "role": "manager", "branch": branch}}
            gateway_port = stack.start_service(
                specs["gateway"],
                env={
                    **env,
                    "GATEWAY_USERS": json.dumps(users),
                    "GATEWAY_COOKIE_SECURE": "false",
                    "GATEWAY_KYC_URL": f"http://127.0.0.1:{kyc_port}",
                    "GATEWAY_QUEUE_URL": "http://127.0.0.1:9",
                    "GATEWAY_STAFFING_URL": "http://127.0.0.1:9",
                    "GATEWAY_RECORDS_URL": "http://127.0.0.1:9",
                    "GATEWAY_VOICE_URL": "http://127.0.0.1:9",
                    "GATEWAY_UPSTREAM_TIMEOUT_S": "120",
                },
            )
            stack.wait_healthy(["kyc", "gateway"], timeout_s=240)
            base = f"http://127.0.0.1:{gateway_port}"
            kiosk = httpx.Client(
                base_url=f"http://127.0.0.1:{kyc_port}", headers={"X-API-Key": keys["kiosk"]}, timeout=180
            )
            prepared, refused = [], []
            photo = _card_photo()
            conditions = list(REALISTIC_CONDITIONS)
            for seed in range(cases):
                case = merchant_case(100 + seed, today, conditions[seed % len(conditions)], photo=photo)
                try:
                    prepared.append((case, [to_review(kiosk, branch, case), to_review(kiosk, branch, case)]))
                except RuntimeError as error:  # a document the service refused: not reviewable
                    refused.append({"seed": case.seed, "condition": case.condition, "error": str(error)[:200]})
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
                page.goto(f"{base}/login")
                page.fill("#username", "officer")
                page.fill("#password", password)
                page.click("button[type=submit]")
                page.wait_for_url(lambda url: "/login" not in url)
                for case, (first, second) in prepared:
                    runs["prefilled"].append(
                        officer_review(page, base, first, case.truth(), blank=False, key_ms=key_ms)
                    )
                    runs["blank"].append(officer_review(page, base, second, case.truth(), blank=True, key_ms=key_ms))
                browser.close()
        finally:
            stack.stop()
            redis.stop()
    summary = {
        mode: {
            "cases": len(rs),
            "seconds_p50": round(median([r["seconds"] for r in rs]), 2),
            "seconds_p95": round(percentile([r["seconds"] for r in rs], 95), 2),
            "typed_fields_per_case": round(sum(r["typed_fields"] for r in rs) / max(len(rs), 1), 2),
            "typed_chars_per_case": round(sum(r["typed_chars"] for r in rs) / max(len(rs), 1), 2),
            "approved": sum(r["decision"] == "approved" for r in rs),
        }
        for mode, rs in runs.items()
    }
    pre, blank = summary["prefilled"]["seconds_p50"], summary["blank"]["seconds_p50"]
    return {
        "key_ms": key_ms,
        **summary,
        "time_reduction_p50": round(1 - pre / blank, 4) if blank else None,
        "runs": runs,
    }


def _card_photo() -> Any:
    from bench.kyc import genuine_faces

    picture = genuine_faces.picture(genuine_faces.ID_PHOTO)
    if picture is None:
        raise RuntimeError("face pictures not cached: python -m bench.face_match --fetch")
    return genuine_faces.id_photo(picture, _face_engine().detect(picture, 1280)[0], (220, 280))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=6, help="cases per realistic condition (fields part)")
    parser.add_argument("--browser", action="store_true", help="also time a scripted officer in chromium")
    parser.add_argument("--browser-cases", type=int, default=3)
    parser.add_argument("--key-ms", type=float, default=80.0, help="the scripted typist's time per character")
    args = parser.parse_args()
    today = date.today()
    started = time.perf_counter()
    report: dict[str, Any] = {"fields": fields_report(args.cases, today)}
    f = report["fields"]
    print(
        f"fields: {f['cases']} cases, {f['fields_per_case']} fields each; to type or correct "
        f"{f['fields_to_type_or_correct_per_case']} per case vs {f['fields_typed_by_hand_per_case']} by hand "
        f"({f['field_reduction']:.1%} fewer); flagged {f['flagged_per_case']} per case; silent errors "
        f"{f['silent_errors']}; characters {f['characters_to_type_per_case']} vs {f['characters_by_hand_per_case']}"
    )
    if args.browser:
        report["browser"] = browser_report(args.browser_cases, args.key_ms, today)
        b = report["browser"]
        print(
            f"browser ({args.key_ms:.0f} ms per character): prefilled p50 {b['prefilled']['seconds_p50']} s, "
            f"blank p50 {b['blank']['seconds_p50']} s ({b['time_reduction_p50']:.1%} less)"
        )
    report["machine"] = machine()
    report["wall_s"] = round(time.perf_counter() - started, 1)
    print(f"wrote {write_result('merchant_review', report)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
