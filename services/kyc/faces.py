"""Transitional, for ``services/kyc/cli.py`` only (being reworked in another change): delete this module
once the CLI imports ``services.kyc.usecases.faces`` and passes a ``FaceEngine()`` it built. Until then a
call without an engine builds one; nothing is kept at module level.
"""

from __future__ import annotations

from typing import Any

from services.kyc.adapters.face_models import FaceEngine
from services.kyc.adapters.image_decode import ImageLimits
from services.kyc.domain.face_decision import MatchThresholds
from services.kyc.usecases import faces

__all__ = ["verify"]


def verify(document_bytes: bytes, selfie_bytes: bytes, thresholds: MatchThresholds, *,
           limits: ImageLimits = ImageLimits(), engine: FaceEngine | None = None) -> dict[str, Any]:
    return faces.verify(document_bytes, selfie_bytes, thresholds, limits=limits, engine=engine or FaceEngine())
