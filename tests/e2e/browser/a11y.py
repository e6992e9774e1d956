"""WCAG 2.1 AA checks the tests run in the browser on each page: text contrast (1.4.3: 4.5:1, large text
3:1) and, for the kiosk and the calling display, a minimum text size. Pure JavaScript run by Playwright on
the rendered page: every visible element with text of its own, its computed colour against the first
opaque background behind it (semi-transparent layers blended). Text over an image or a gradient is reported
as not measurable rather than guessed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

MEASURE = (Path(__file__).parent / "a11y.js").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Audit:
    page: str
    checked: int
    failures: list[dict[str, Any]]
    small: list[dict[str, Any]]
    unmeasured: int


def audit(page: Page, name: str, min_px: float = 0) -> Audit:
    found = page.evaluate(MEASURE, min_px)
    return Audit(name, found["checked"], found["failures"], found["small"], found["unmeasured"])
