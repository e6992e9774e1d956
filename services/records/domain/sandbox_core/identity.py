"""Identity proof for a money movement: the KYC session's newest result in the branch is ``approved``, recent,
and names the customer (its masked ID number equals the customer's, as the KYC service masks it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services.records.domain.sandbox_core.errors import CoreRefused

FUTURE_SKEW = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class KycEvidence:
    session_id: str
    decision: str
    at: dt.datetime
    id_number_masked: str


def check_identity(
    evidence: KycEvidence | None, customer_id_masked: str, now: dt.datetime, window: dt.timedelta
) -> None:
    if evidence is None:
        raise CoreRefused("identity_not_verified", "no KYC result for this session in this branch")
    if evidence.decision != "approved":
        raise CoreRefused("identity_not_verified", f"the KYC session's decision is {evidence.decision}")
    if evidence.at < now - window or evidence.at > now + FUTURE_SKEW:
        raise CoreRefused("identity_not_verified", "the KYC approval is not recent; verify the customer again")
    if not customer_id_masked or evidence.id_number_masked != customer_id_masked:
        raise CoreRefused("identity_not_verified", "the verified ID document is not this customer's")
