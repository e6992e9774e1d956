"""One upload to a KYC session or a merchant case, as both routes take it: rate-limited per kiosk, its body
read within the size limits, the use case called; a refused document is audited (its reason only) and answered
with its reason, a state error with its own problem."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request

from branchops.web import Principal, Problem
from services.kyc.domain.errors import DocumentError
from services.kyc.routes.uploads import b64_image, disclosed, enforce_rate_limit, problem_for, read_image, read_json
from services.kyc.settings import KycSettings
from services.kyc.usecases.verification import Verification

T = TypeVar("T")
Frames = list[tuple[bytes, float]]


def parse_frames(body: dict[str, Any], settings: KycSettings) -> Frames:
    """``{"frames": [{"image": b64, "t_ms": n}, ...]}`` → (image bytes, time) pairs, or a 422/413 problem."""
    raw = body.get("frames")
    if not isinstance(raw, list) or not raw or len(raw) > settings.liveness_max_frames:
        raise Problem(
            422, "Invalid request", f"frames: 1..{settings.liveness_max_frames} items expected", reason="frame_count"
        )
    frames = []
    for i, item in enumerate(raw):
        t_ms = item.get("t_ms") if isinstance(item, dict) else None
        if not isinstance(t_ms, int | float):
            raise Problem(422, "Invalid request", f"frames[{i}].t_ms: a number is required", reason="timestamps")
        frames.append((b64_image(item.get("image"), f"frames[{i}].image", settings.max_frame_bytes), float(t_ms)))
    return frames


@dataclass(frozen=True)
class UploadStep:
    kyc: Verification
    settings: KycSettings
    rate_key: str
    refuse: Callable[[DocumentError], Awaitable[None]]
    """Audits a refused upload."""
    state_error: type[Exception]
    state_problem: Callable[[Exception], Problem]

    async def image(
        self, request: Request, who: Principal, add: Callable[[bytes], Awaitable[dict[str, Any]]]
    ) -> dict[str, Any]:
        """A JPEG body within the image limits, added; the answer disclosed as the caller may see it."""
        await enforce_rate_limit(self.kyc, self.settings, self.rate_key)
        data = await read_image(request, self.settings)
        return disclosed(await self._run(add(data)), request, who)

    async def frames(self, request: Request, add: Callable[[Frames], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        """Liveness frames (a JSON body within the selfie limit), added."""
        await enforce_rate_limit(self.kyc, self.settings, self.rate_key)
        frames = parse_frames(await read_json(request, self.settings.selfie_body_bytes()), self.settings)
        return await self._run(add(frames))

    async def _run(self, work: Awaitable[T]) -> T:
        try:
            return await work
        except DocumentError as error:
            await self.refuse(error)
            raise problem_for(error) from None
        except self.state_error as error:
            raise self.state_problem(error) from None
