"""Fixtures of the voice NLU tests: one engine trained on the packaged corpus per session."""

from __future__ import annotations

from datetime import date

import pytest

from services.voice.domain.nlu.engine import NluEngine

TODAY = date(2024, 5, 8)  # a Wednesday


@pytest.fixture(scope="session")
def engine() -> NluEngine:
    return NluEngine.from_corpus()


@pytest.fixture
def today() -> date:
    return TODAY
