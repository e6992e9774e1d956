"""KYC use cases: sessions (document, selfie with liveness, decision) and the stateless endpoints.

OCR and face models run in a thread pool, never on the event loop; they are the app's ``Engines`` (built by
bootstrap.py), each loaded in the pool on first use. Request bytes are handed to the pool and
dropped; sessions hold masked fields, checks, decisions and, until the decision, the portrait embedding.
Images are kept only when retention is configured (``KYC_RETENTION_TTL_S``): then the accepted document
image and selfie frames go AES-GCM encrypted to ``RetainedImages`` (refused uploads are never kept).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from branchops.contracts.enums import DocType, KycDecision
from branchops.contracts.events import KycResult
from services.kyc.adapters.engines import Engines
from services.kyc.adapters.image_decode import ImageLimits
from services.kyc.adapters.session_store import SessionStore
from services.kyc.domain.errors import DocumentError, SessionNotFound, SessionStateError
from services.kyc.domain.face_decision import MatchThresholds, combine, match_decision, match_reason
from services.kyc.domain.face_types import FrameObservation
from services.kyc.domain.liveness import LivenessRules, evaluate, new_challenge
from services.kyc.domain.masking import mask_credit_code, mask_id_number, mask_name
from services.kyc.settings import KycSettings
from services.kyc.usecases import documents, faces

if TYPE_CHECKING:
    from services.kyc.adapters.image_retention import RetainedImages

T = TypeVar("T")
Clock = Callable[[], dt.datetime]
MASKERS: dict[str, Callable[[str], str]] = {
    "name": mask_name,
    "id_number": mask_id_number,
    "credit_code": mask_credit_code,
    "legal_representative": mask_name,
    "address": lambda v: v[:6] + "***",
}


@dataclass(frozen=True)
class KycConfig:
    limits: ImageLimits
    frame_limits: ImageLimits
    thresholds: MatchThresholds
    rules: LivenessRules
    challenge_ttl_s: int

    @classmethod
    def of(cls, s: KycSettings) -> KycConfig:
        return cls(
            ImageLimits(max_bytes=s.max_upload_bytes, max_pixels=s.max_pixels),
            ImageLimits(max_bytes=s.max_frame_bytes, max_pixels=s.max_pixels),
            MatchThresholds(approve=s.face_approve, reject=s.face_reject),
            LivenessRules(
                min_frames=s.liveness_min_frames,
                max_frames=s.liveness_max_frames,
                max_duration_ms=s.liveness_max_duration_ms,
                mirrored=s.liveness_mirrored,
            ),
            s.challenge_ttl_s,
        )


def masked_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (MASKERS[k](v) if k in MASKERS and isinstance(v, str) else v) for k, v in fields.items()}


class Verification:
    def __init__(
        self,
        store: SessionStore,
        engines: Engines,
        executor: Executor,
        config: KycConfig,
        clock: Clock,
        retention: RetainedImages | None = None,
    ) -> None:
        self.store = store
        self.engines = engines
        self._executor = executor
        self.config = config
        self._clock = clock
        self.retention = retention

    async def _retain(self, session: dict[str, Any], images: Sequence[tuple[str, bytes]]) -> None:
        """Keep accepted images encrypted when retention is on; a no-op (nothing stored) when it is off."""
        if self.retention is not None:
            await self.retention.keep(session["branch_id"], session["session_id"], images)

    async def retained_branch(self, session_id: str) -> str | None:
        """The branch of retained images whose session has expired already (for a deletion request)."""
        return None if self.retention is None else await self.retention.branch_of(session_id)

    async def delete_session(self, session_id: str, branch_id: str) -> bool:
        """Delete the session and its retained images; True when retained images were removed."""
        await self.store.delete(session_id)
        if self.retention is None:
            return False
        return await self.retention.delete(session_id, branch_id)

    async def _run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, partial(func, *args, **kwargs))

    # --- stateless --------------------------------------------------------------------------------

    # Each of these runs in the pool, where the engine is fetched (and, the first time, loaded).

    def _id_card(self, data: bytes, today: dt.date, birth: dt.date | None, region: str | None = None) -> dict[str, Any]:
        return documents.read_id_card(
            data,
            today=today,
            holder_birth_date=birth,
            holder_region=region,
            limits=self.config.limits,
            reader=self.engines.reader(),
        )

    def _licence(self, data: bytes) -> dict[str, Any]:
        return documents.read_business_licence(data, limits=self.config.limits, reader=self.engines.reader())

    def _verify(self, document: bytes, selfie: bytes) -> dict[str, Any]:
        return faces.verify(
            document, selfie, self.config.thresholds, limits=self.config.limits, engine=self.engines.faces()
        )

    def _portrait_or_none(self, data: bytes) -> faces.FaceSample | None:
        try:
            return faces.portrait_from_document(data, limits=self.config.limits, engine=self.engines.faces())
        except DocumentError:
            return None

    def _frames(self, frames: Sequence[tuple[bytes, float]]) -> tuple[list[FrameObservation], faces.FaceSample | None]:
        return faces.analyse_frames(frames, limits=self.config.frame_limits, engine=self.engines.faces())

    async def read_id_card(self, data: bytes) -> dict[str, Any]:
        return await self._run(self._id_card, data, self._clock().date(), None)

    async def read_licence(self, data: bytes) -> dict[str, Any]:
        return await self._run(self._licence, data)

    async def verify_faces(self, document: bytes, selfie: bytes) -> dict[str, Any]:
        return await self._run(self._verify, document, selfie)

    # --- sessions ---------------------------------------------------------------------------------

    async def create_session(self, branch_id: str, kiosk_id: str, doc_type: DocType) -> dict[str, Any]:
        now = self._clock()
        session: dict[str, Any] = {
            "session_id": f"kyc-{uuid.uuid4().hex}",
            "branch_id": branch_id,
            "kiosk_id": kiosk_id,
            "doc_type": doc_type.value,
            "status": "awaiting_document",
            "created_at": now.isoformat(),
            "documents": {},
            "decision": None,
            "reasons": [],
            "checks": {},
        }
        if doc_type is DocType.ID_CARD:
            session["challenge"] = list(new_challenge())
            session["challenge_expires_at"] = (now + dt.timedelta(seconds=self.config.challenge_ttl_s)).isoformat()
        await self.store.create(session)
        return session

    async def session(self, session_id: str) -> dict[str, Any]:
        found = await self.store.get(session_id)
        if found is None:
            raise SessionNotFound(session_id)
        return found

    async def refuse(self, session: dict[str, Any], step: str, error: DocumentError) -> None:
        """Audit a refused upload (reason only, nothing of the upload is kept)."""
        await self.store.audit(
            session["branch_id"],
            {
                "session_id": session["session_id"],
                "kiosk_id": session["kiosk_id"],
                "action": f"{step}_refused",
                "reason": error.reason,
            },
        )

    async def add_document(self, session: dict[str, Any], data: bytes) -> dict[str, Any]:
        if session["status"] == "decided":
            raise SessionStateError("the session is already decided")
        if session["doc_type"] == DocType.BUSINESS_LICENCE.value:
            result = await self.read_licence(data)
            session["documents"]["licence"] = {**result, "fields": masked_fields(result["fields"])}
            await self._decide(session, result["checks"], None)
            await self._retain(session, [("document:licence", data)])
            return {**result, "session": public_view(session)}
        birth = _birth_date(session)
        result = await self._run(self._id_card, data, self._clock().date(), birth, _holder_region(session))
        entry: dict[str, Any] = {**result, "fields": masked_fields(result["fields"])}
        if result["side"] == "portrait":
            portrait = await self._run(self._portrait_or_none, data)
            entry["checks"] = {**result["checks"], "face_on_document": portrait is not None}
            if portrait is not None:
                entry["checks"]["capture_camera"] = portrait.camera
                session["portrait_embedding"] = _encode(portrait.embedding)
            session["id_number_masked"] = mask_id_number(result["fields"].get("id_number") or "")
            session["birth_date"] = result["fields"].get("birth_date")
        session["documents"][result["side"]] = entry
        if "portrait" in session["documents"]:
            session["status"] = "awaiting_selfie"
        await self.store.save(
            session,
            {
                "session_id": session["session_id"],
                "kiosk_id": session["kiosk_id"],
                "action": f"document_{result['side']}_read",
            },
        )
        await self._retain(session, [(f"document:{result['side']}", data)])
        return {**result, "session": public_view(session)}

    async def add_selfie(self, session: dict[str, Any], frames: Sequence[tuple[bytes, float]]) -> dict[str, Any]:
        if session["doc_type"] != DocType.ID_CARD.value:
            raise SessionStateError("a business-licence session takes no selfie")
        if session["status"] != "awaiting_selfie":
            raise SessionStateError(f"session is {session['status']}; upload the portrait side of the ID card first")
        expired = self._clock() > dt.datetime.fromisoformat(session["challenge_expires_at"])
        observations, best = await self._run(self._frames, frames)
        liveness = evaluate(session["challenge"], observations, self.config.rules)
        live_reasons = (*(("challenge_expired",) if expired else ()), *liveness.reasons)
        stored = session.get("portrait_embedding")
        face_decision: KycDecision | None = None
        face_reason = None
        face: dict[str, Any] = {}
        if best is None:
            face_decision, face_reason = KycDecision.REJECTED, "no_face: no usable face in the frames"
        elif stored is None:
            face_decision, face_reason = KycDecision.REVIEW, "no_portrait_on_document: compare by hand"
        else:
            score = float(np.dot(_decode(stored), best.embedding))
            face_decision, face_reason = (
                match_decision(score, self.config.thresholds),
                match_reason(score, self.config.thresholds),
            )
            face = {"similarity": round(score, 4)}
        document_checks = {
            k: v
            for side in session["documents"].values()
            for k, v in side["checks"].items()
            if k not in ("ok", "failed")
        }
        document_checks["emblem_side_read"] = "emblem" in session["documents"]
        outcome = combine(document_checks, face_decision, face_reason, not live_reasons, live_reasons)
        session["face"] = {**face, "decision": face_decision.value}
        session["liveness"] = {"passed": not live_reasons, "reasons": list(live_reasons), **liveness.checks}
        await self._decide(session, document_checks, outcome)
        await self._retain(session, [(f"selfie:{i:02d}", frame) for i, (frame, _) in enumerate(frames)])
        return public_view(session)

    async def _decide(self, session: dict[str, Any], checks: dict[str, Any], outcome: Any) -> None:
        if outcome is None:
            outcome = combine({k: v for k, v in checks.items() if k not in ("ok", "failed")}, None, None, None)
        session.pop("portrait_embedding", None)
        session.update(
            status="decided",
            decision=outcome.decision.value,
            reasons=list(outcome.reasons),
            decided_at=self._clock().isoformat(),
        )
        flat = _flat_checks(session)
        session["checks"] = flat
        event = KycResult(
            branch_id=session["branch_id"],
            at=self._clock(),
            session_id=session["session_id"],
            kiosk_id=session["kiosk_id"],
            doc_type=DocType(session["doc_type"]),
            decision=outcome.decision,
            checks=flat,
            id_number_masked=session.get("id_number_masked", ""),
            reasons=list(outcome.reasons),
        )
        await self.store.decide(
            session,
            event,
            {
                "session_id": session["session_id"],
                "kiosk_id": session["kiosk_id"],
                "action": "decided",
                "decision": outcome.decision.value,
                "reasons": "; ".join(outcome.reasons),
            },
        )


def _birth_date(session: dict[str, Any]) -> dt.date | None:
    value = session.get("birth_date")
    return dt.date.fromisoformat(value) if value else None


def _encode(vector: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vector, dtype=np.float32).tobytes()).decode()


def _decode(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.float32)


def _holder_region(session: dict[str, Any]) -> str | None:
    """The prefecture of the holder's ID number (the masked number keeps its first four digits), for the
    issuing-authority check of the emblem side."""
    prefix = (session.get("id_number_masked") or "")[:4]
    return prefix + "00" if len(prefix) == 4 and prefix.isdigit() else None


def _flat_checks(session: dict[str, Any]) -> dict[str, bool | float | str]:
    flat: dict[str, bool | float | str] = {}
    for side, entry in session["documents"].items():
        for name, value in entry["checks"].items():
            if isinstance(value, bool | float | str) and name != "failed":
                flat[f"{side}.{name}"] = value
    for part in ("face", "liveness"):
        for name, value in (session.get(part) or {}).items():
            if isinstance(value, bool | float | str):
                flat[f"{part}.{name}"] = value
    return flat


def public_view(session: dict[str, Any]) -> dict[str, Any]:
    """What callers see of a session: masked, without the embedding."""
    hidden = {"portrait_embedding", "birth_date"}
    return {k: v for k, v in session.items() if k not in hidden}
