"""Merchant onboarding cases (issue 25 item 5): business licence → the legal representative's ID card (both
sides) → face and liveness → cross-checks → an officer's review → approve / reject / ask for more.

Images go through the model pool and are dropped (kept encrypted only when retention is configured, like
sessions' images). The case keeps the fields in full for the officer until it expires; what leaves the
service as an event is masked (numbers, no names, no images, no officer text).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from branchops.contracts.enums import DocType, KycDecision
from branchops.contracts.events import KycResult
from services.kyc.adapters.division_table import division_table
from services.kyc.adapters.engines import Engines
from services.kyc.adapters.merchant_store import MerchantCaseStore
from services.kyc.adapters.review_crop import review_crop
from services.kyc.domain import id_card, licence, merchant
from services.kyc.domain.face_decision import match_decision, match_reason
from services.kyc.domain.liveness import evaluate, new_challenge
from services.kyc.domain.masking import mask_id_number
from services.kyc.usecases import documents, faces
from services.kyc.usecases.verification import Clock, KycConfig, masked_fields

if TYPE_CHECKING:
    from services.kyc.adapters.image_retention import RetainedImages

T = TypeVar("T")
DECISION_OF_ACTION = {"approve": KycDecision.APPROVED, "reject": KycDecision.REJECTED, "ask_more": KycDecision.REVIEW}


DOCUMENT_KINDS = ("licence", "portrait", "emblem")


class CaseNotFound(LookupError):
    """No such case (never opened, or expired)."""


class DocumentImageUnavailable(LookupError):
    """The officer asked for a document picture the service does not hold; ``reason`` says why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class MerchantOnboarding:
    def __init__(
        self,
        store: MerchantCaseStore,
        engines: Engines,
        executor: Executor,
        config: KycConfig,
        clock: Clock,
        retention: RetainedImages | None = None,
    ) -> None:
        self.store = store
        self._engines = engines
        self._executor = executor
        self._config = config
        self._clock = clock
        self._retention = retention

    async def _run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, partial(func, *args, **kwargs))

    async def _retain(self, case: dict[str, Any], images: Sequence[tuple[str, bytes]]) -> None:
        if self._retention is not None:
            await self._retention.keep(case["branch_id"], case["case_id"], images)

    def _audit(self, case: dict[str, Any], action: str, **extra: str) -> dict[str, str]:
        return {"case_id": case["case_id"], "kiosk_id": case["kiosk_id"], "action": action, **extra}

    # --- the applicant's steps --------------------------------------------------------------------

    async def open_case(self, branch_id: str, kiosk_id: str) -> dict[str, Any]:
        now = self._clock()
        case: dict[str, Any] = {
            "case_id": f"mc-{uuid.uuid4().hex}",
            "kind": "merchant_onboarding",
            "branch_id": branch_id,
            "kiosk_id": kiosk_id,
            "status": merchant.AWAITING_LICENCE,
            "created_at": now.isoformat(),
            "documents": {},
            "checks": {},
            "history": [],
        }
        await self.store.create(case, self._audit(case, "merchant_case_opened"), now.timestamp())
        return case

    async def case(self, case_id: str) -> dict[str, Any]:
        found = await self.store.get(case_id)
        if found is None:
            raise CaseNotFound(case_id)
        return found

    async def add_licence(self, case: dict[str, Any], data: bytes) -> dict[str, Any]:
        merchant.check_upload(case["status"], "licence", case["documents"])
        result = await self._run(
            documents.read_business_licence, data, limits=self._config.limits, reader=self._engines.reader()
        )
        case["documents"]["licence"] = result
        self._after_document(case)
        await self.store.save(case, self._audit(case, "licence_read", verdict=result["checks"]["verdict"]))
        await self._retain(case, [("document:licence", data)])
        return {**result, "case": public_case(case)}

    async def add_id_card(self, case: dict[str, Any], data: bytes) -> dict[str, Any]:
        merchant.check_upload(case["status"], "id_card", case["documents"])
        portrait_entry = case["documents"].get("portrait", {})
        birth = portrait_entry.get("fields", {}).get("birth_date")
        number = portrait_entry.get("fields", {}).get("id_number") or ""
        result = await self._run(
            documents.read_id_card,
            data,
            today=self._clock().date(),
            holder_birth_date=dt.date.fromisoformat(birth) if birth else None,
            holder_region=number[:4] + "00" if len(number) >= 4 and number[:4].isdigit() else None,
            limits=self._config.limits,
            reader=self._engines.reader(),
        )
        side = result["side"]
        entry = dict(result)
        if side == "portrait":
            portrait = await self._run(self._portrait_or_none, data)
            entry["checks"] = {**result["checks"], "face_on_document": portrait is not None}
            if portrait is None:
                case.pop("portrait_embedding", None)
            else:
                case["portrait_embedding"] = _encode(portrait.embedding)
            case.pop("face", None)  # a new portrait: the selfie is compared again
            case.pop("liveness", None)
        case["documents"][side] = entry
        self._after_document(case)
        await self.store.save(case, self._audit(case, f"id_card_{side}_read", verdict=result["checks"]["verdict"]))
        await self._retain(case, [(f"document:{side}", data)])
        return {**result, "case": public_case(case)}

    def _portrait_or_none(self, data: bytes) -> faces.FaceSample | None:
        try:
            return faces.portrait_from_document(data, limits=self._config.limits, engine=self._engines.faces())
        except documents.DocumentError:
            return None

    def _after_document(self, case: dict[str, Any]) -> None:
        case["status"] = merchant.next_status(case["documents"], "face" in case)
        if case["status"] == merchant.AWAITING_SELFIE and not self._challenge_open(case):
            now = self._clock()
            case["challenge"] = list(new_challenge())
            case["challenge_expires_at"] = (now + dt.timedelta(seconds=self._config.challenge_ttl_s)).isoformat()
        if case["status"] == merchant.REVIEW:
            self._cross_check(case)

    async def renew_challenge(self, case: dict[str, Any]) -> dict[str, Any]:
        """A fresh liveness challenge when the selfie is due (or asked for again) and the last one lapsed."""
        if case["status"] not in (merchant.AWAITING_SELFIE, merchant.MORE_REQUESTED):
            raise merchant.CaseStateError("case_state", f"the case is {case['status']}; no selfie is due")
        if "portrait" not in case["documents"] or "emblem" not in case["documents"]:
            raise merchant.CaseStateError("id_card_first", "upload both sides of the ID card first")
        now = self._clock()
        case["challenge"] = list(new_challenge())
        case["challenge_expires_at"] = (now + dt.timedelta(seconds=self._config.challenge_ttl_s)).isoformat()
        await self.store.save(case, self._audit(case, "challenge_issued"))
        return public_case(case)

    def _challenge_open(self, case: dict[str, Any]) -> bool:
        expires = case.get("challenge_expires_at")
        return isinstance(expires, str) and self._clock() <= dt.datetime.fromisoformat(expires)

    async def add_selfie(self, case: dict[str, Any], frames: Sequence[tuple[bytes, float]]) -> dict[str, Any]:
        merchant.check_upload(case["status"], "selfie", case["documents"])
        if not case.get("challenge"):
            raise merchant.CaseStateError("no_challenge", "the case has no liveness challenge yet")
        expired = not self._challenge_open(case)
        observations, best = await self._run(
            faces.analyse_frames, frames, limits=self._config.frame_limits, engine=self._engines.faces()
        )
        liveness = evaluate(case["challenge"], observations, self._config.rules)
        reasons = [*(["challenge_expired"] if expired else []), *liveness.reasons]
        face: dict[str, Any]
        stored = case.pop("portrait_embedding", None)
        if best is None:
            face = {"decision": KycDecision.REJECTED.value, "reason": "no_face: no usable face in the frames"}
        elif stored is None:
            face = {"decision": KycDecision.REVIEW.value, "reason": "no_portrait_on_document: compare by hand"}
        else:
            score = float(np.dot(_decode(stored), best.embedding))
            thresholds = self._config.thresholds
            face = {
                "decision": match_decision(score, thresholds).value,
                "reason": match_reason(score, thresholds),
                "similarity": round(score, 4),
            }
        case["face"] = face
        case["liveness"] = {"passed": not reasons, "reasons": reasons, **liveness.checks}
        case.pop("challenge", None)  # one answer per challenge
        case.pop("challenge_expires_at", None)
        self._after_document(case)
        await self.store.save(case, self._audit(case, "submitted_for_review", face=face["decision"]))
        await self._retain(case, [(f"selfie:{i:02d}", frame) for i, (frame, _) in enumerate(frames)])
        return public_case(case)

    def _cross_check(self, case: dict[str, Any]) -> None:
        cross = merchant.cross_checks(case["documents"], case.get("face", {}), case.get("liveness", {}))
        case["cross_checks"] = cross
        case["checks"] = merchant.flat_checks(case["documents"], cross)

    # --- the officer ------------------------------------------------------------------------------

    async def document_images(self, case: dict[str, Any]) -> list[str]:
        """Which of the case's documents the officer can see (retained images only; never the selfies)."""
        if self._retention is None:
            return []
        kept = await self._retention.kinds(case["case_id"])
        return [kind for kind in DOCUMENT_KINDS if f"document:{kind}" in kept]

    async def document_crop(self, case: dict[str, Any], kind: str, officer: str) -> bytes:
        """A downscaled, straightened JPEG of one of the case's documents, audited as viewed by ``officer``."""
        if kind not in DOCUMENT_KINDS:
            raise DocumentImageUnavailable("unknown_document", f"no document {kind!r}: one of {DOCUMENT_KINDS}")
        if self._retention is None:
            raise DocumentImageUnavailable(
                "images_not_kept", "document images are not kept (KYC_RETENTION_TTL_S is 0): read the fields only"
            )
        data = await self._retention.load_one(case["case_id"], f"document:{kind}")
        if data is None:
            raise DocumentImageUnavailable("image_not_found", f"no {kind} image is kept for this case (or it expired)")
        crop = await self._run(review_crop, data)
        await self.store.audit(case["branch_id"], self._audit(case, "document_viewed", document=kind, officer=officer))
        return crop

    def _recheck(self, docs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The documents' checks run again on (corrected) fields, as the reader runs them."""
        table = division_table()
        out = dict(docs)
        if "licence" in docs:
            entry = docs["licence"]
            out["licence"] = {
                **entry,
                "checks": licence.licence_checks(_fields(entry), table, entry["field_confidence"]),
            }
        portrait = _fields(docs.get("portrait", {}))
        if "portrait" in docs:
            entry = docs["portrait"]
            kept = {k: v for k, v in entry["checks"].items() if k in ("face_on_document", "capture_camera")}
            out["portrait"] = {
                **entry,
                "checks": {**id_card.portrait_checks(portrait, table, entry["field_confidence"]), **kept},
            }
        if "emblem" in docs:
            entry = docs["emblem"]
            birth = portrait.get("birth_date")
            number = portrait.get("id_number", "")
            out["emblem"] = {
                **entry,
                "checks": id_card.emblem_checks(
                    _fields(entry),
                    self._clock().date(),
                    dt.date.fromisoformat(birth) if birth else None,
                    table=table,
                    holder_region=number[:4] + "00" if number[:4].isdigit() and len(number) >= 4 else None,
                    confidences=entry["field_confidence"],
                ),
            }
        return out

    async def decide(
        self, case: dict[str, Any], officer: str, action: str, reason: str | None, corrections: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The officer's decision, audited (who, when, what) and published masked, in one transaction."""
        now = self._clock()

        def apply(current: dict[str, Any]) -> tuple[dict[str, Any], KycResult, dict[str, str]]:
            checks = current.get("checks", {})
            fixes = merchant.parse_corrections(corrections)
            if fixes and current["status"] == merchant.REVIEW:  # misreads corrected: the checks run again
                rechecked = self._recheck(merchant.corrected_documents(current["documents"], fixes))
                cross = merchant.cross_checks(rechecked, current.get("face", {}), current.get("liveness", {}))
                checks = merchant.flat_checks(rechecked, cross)
            decision = merchant.validate_decision(current["status"], action, reason, corrections, checks)
            rows = merchant.review_sheet(current["documents"], current.get("checks", {}))
            corrected = merchant.corrected_count(rows, decision.corrections)
            for key, value in decision.corrections.items():
                doc, _, name = key.partition(".")
                current["documents"][doc].setdefault("corrected", {})[name] = value
            if fixes:
                current["checks_as_read"] = current.get("checks", {})
                current["checks"] = checks
                current["cross_checks"] = {k: v for k, v in checks.items() if "." not in k}
            status = merchant.STATUS_OF_ACTION[decision.action]
            entry = {
                "action": decision.action,
                "officer": officer,
                "at": now.isoformat(),
                "reason": decision.reason,
                "corrected_fields": sorted(decision.corrections),
            }
            current["history"] = [*current.get("history", []), entry]
            current["status"] = status
            current["decision"] = decision.action
            if decision.action == "ask_more":
                current["more_requested"] = decision.reason
            failed = sorted(name for name, ok in current.get("checks", {}).items() if ok is False)
            event = KycResult(
                branch_id=current["branch_id"],
                at=now,
                session_id=current["case_id"],
                kiosk_id=current["kiosk_id"],
                doc_type=DocType.BUSINESS_LICENCE,
                decision=DECISION_OF_ACTION[decision.action],
                checks={
                    **{k: v for k, v in current.get("checks", {}).items() if isinstance(v, bool)},
                    "case": "merchant_onboarding",
                    "officer_action": decision.action,
                    "fields_corrected": float(corrected),
                },
                id_number_masked=mask_id_number(
                    current["documents"].get("portrait", {}).get("fields", {}).get("id_number") or ""
                ),
                reasons=[f"officer_{decision.action}", *(f"check_failed: {name}" for name in failed)],
            )
            audit = {
                "case_id": current["case_id"],
                "kiosk_id": current["kiosk_id"],
                "action": f"officer_{decision.action}",
                "officer": officer,
                "reason": decision.reason,
                "corrected_fields": ",".join(sorted(decision.corrections)),
            }
            return current, event, audit

        try:
            return await self.store.decide(case["case_id"], case["branch_id"], apply)
        except LookupError:
            raise CaseNotFound(case["case_id"]) from None


def queue_entry(case: dict[str, Any]) -> dict[str, Any]:
    """A line of the officer's list: the firm's name in full (the officer's own branch), state, flags."""
    checks = case.get("checks", {})
    licence = case["documents"].get("licence", {}).get("fields", {})
    rows = merchant.review_sheet(case["documents"], checks) if case["status"] == merchant.REVIEW else []
    return {
        "case_id": case["case_id"],
        "status": case["status"],
        "created_at": case["created_at"],
        "firm": licence.get("name"),
        # a field below the review threshold is counted as low confidence (the sheet marks the field, not a check)
        "failed_checks": sorted(
            name for name, ok in checks.items() if ok is False and not name.endswith("fields_confident")
        ),
        "low_confidence_fields": sum(1 for r in rows if r.low_confidence),
    }


def _fields(entry: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in entry.get("fields", {}).items() if isinstance(v, str) and v}


def review_view(case: dict[str, Any]) -> dict[str, Any]:
    """What the officer sees: every field in full with its confidence and checks, the checks, what blocks an
    approval, the face and liveness results, the history."""
    checks = case.get("checks", {})
    rows = merchant.review_sheet(case["documents"], checks)
    for row_dict, row in zip(sheet := [r.as_dict() for r in rows], rows, strict=True):
        corrected = case["documents"].get(row.document, {}).get("corrected", {}).get(row.name)
        if corrected is not None:
            row_dict["corrected"] = corrected
    return {
        "case_id": case["case_id"],
        "branch_id": case["branch_id"],
        "status": case["status"],
        "created_at": case["created_at"],
        "fields": sheet,
        "cross_checks": case.get("cross_checks", {}),
        "checks": checks,
        "blocking": merchant.blocking_failures(checks),
        "face": case.get("face", {}),
        "liveness": {k: v for k, v in case.get("liveness", {}).items() if k in ("passed", "reasons")},
        "history": case.get("history", []),
        "more_requested": case.get("more_requested"),
    }


def public_case(case: dict[str, Any]) -> dict[str, Any]:
    """What the applicant's kiosk and other callers see: masked fields, no embedding."""
    docs = {
        name: {k: (masked_fields(v) if k == "fields" else v) for k, v in entry.items() if k != "corrected"}
        for name, entry in case["documents"].items()
    }
    hidden = {"portrait_embedding", "documents", "history"}
    return {
        **{k: v for k, v in case.items() if k not in hidden},
        "documents": docs,
        "history": [{"action": h["action"], "at": h["at"]} for h in case.get("history", [])],  # no officer, no text
    }


def _encode(vector: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vector, dtype=np.float32).tobytes()).decode()


def _decode(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.float32)
