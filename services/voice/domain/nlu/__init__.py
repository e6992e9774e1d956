"""Natural-language understanding of the voice digital employee (Mandarin and English)."""

from services.voice.domain.nlu.engine import NluEngine, NluResult
from services.voice.domain.nlu.masking import mask_slots

__all__ = ["NluEngine", "NluResult", "mask_slots"]
