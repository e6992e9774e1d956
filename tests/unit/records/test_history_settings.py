"""Records' history settings: retention per table as JSON over the defaults, checked when the service starts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.records.settings import RecordsSettings


def test_retention_is_a_json_mapping_over_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECORDS_RETENTION_DAYS", '{"events_tickets": 180, "rollup_service_interval": 1000}')
    retention = RecordsSettings().retention
    assert retention["events_tickets"] == 180 and retention["rollup_service_interval"] == 1000
    assert retention["events_kyc_results"] == 90 and retention["events_queue_forecast"] == 14
    assert retention["ticket_journeys"] == 7


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"events_ticket": 30}', "no table events_ticket"),
        ('{"events_tickets": 0}', "1 to 3660 days"),
        ('["events_tickets"]', "valid dictionary"),
    ],
)
def test_a_bad_retention_is_refused_at_start(monkeypatch: pytest.MonkeyPatch, value: str, message: str) -> None:
    monkeypatch.setenv("RECORDS_RETENTION_DAYS", value)
    with pytest.raises(ValidationError, match=message):
        RecordsSettings()
