"""The administrative division table shipped with the service (services/kyc/data/divisions.txt), read once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from services.kyc.domain.regions import DivisionTable

DIVISIONS_FILE = Path(__file__).resolve().parents[1] / "data" / "divisions.txt"


@lru_cache(maxsize=1)
def division_table(path: Path = DIVISIONS_FILE) -> DivisionTable:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, name = line.split("\t", 1)
            rows.append((code, name))
    return DivisionTable.from_rows(rows)
