"""``/v1/sandbox-core/...``: the embedded SANDBOX core banking (docs/core-banking.md). Every answer carries
``"sandbox": true`` and the header ``X-Sandbox-Core: 1``.

Reads (accounts, balance, statement): tellers, managers and services (the voice service). Money movements
(transfer between own accounts, credit card repayment, utility payment, reversal): services only, with an
``Idempotency-Key`` header, ``"confirmed": true`` and ``identity``, the id of a recent approved KYC session of
the customer in the branch. Refusals are problem+json with a ``reason`` (domain/sandbox_core/errors.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any, Concatenate, ParamSpec

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt

from branchops.settings import Role
from branchops.web import BranchPath, Problem, check_branch
from branchops.web.auth import Principal, require_roles
from branchops.web.problems import ErrorProblems
from branchops.web.roles import AnyRole, ManagerHeadOfficeService, TellerManagerService
from services.records.domain.sandbox_core.errors import REASONS, CoreRefused
from services.records.usecases.sandbox_core import Answer, Caller, Movement, Reader, SandboxCore
from services.records.usecases.sandbox_services import Change

P = ParamSpec("P")
PREFIX = "/v1/sandbox-core"
router = APIRouter(prefix=PREFIX, tags=["sandbox core (SANDBOX)"])
SANDBOX_HEADER = {"X-Sandbox-Core": "1", "Cache-Control": "no-store"}
ServiceOnly = Annotated[Principal, Depends(require_roles(Role.SERVICE))]

PROBLEMS: ErrorProblems = {
    CoreRefused: lambda error: Problem(error.status, error.title, error.detail, reason=error.reason, sandbox=True),
}
"""Registered by bootstrap.py (``create_service_app(errors=...)``)."""


def _statuses(*reasons: str) -> dict[int | str, dict[str, Any]]:
    out: dict[int, list[str]] = {}
    for reason in reasons:
        out.setdefault(REASONS[reason][0], []).append(reason)
    return {status: {"description": "reason " + ", ".join(names)} for status, names in sorted(out.items())}


READ_ERRORS = _statuses("unknown_customer", "unknown_account", "not_own_account", "identity_not_verified")
MOVE_ERRORS = _statuses(
    "idempotency_key_required",
    "confirmation_required",
    "identity_not_verified",
    "unknown_customer",
    "unknown_account",
    "not_own_account",
    "wrong_account_kind",
    "currency_mismatch",
    "amount_out_of_range",
    "insufficient_funds",
    "limit_exceeded",
    "idempotency_conflict",
)


def install(app: FastAPI) -> None:
    """The sandbox label on every answer under the prefix, refusals and authentication errors too."""

    @app.middleware("http")
    async def _label(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if request.url.path.startswith(PREFIX):
            response.headers["X-Sandbox-Core"] = "1"
        return response


async def get_core(request: Request) -> SandboxCore:
    core: SandboxCore = request.app.state.sandbox_core
    return core


CoreDep = Annotated[SandboxCore, Depends(get_core)]
CustomerPath = Annotated[str, Path(min_length=1, max_length=80, description="a sandbox customer id")]
AccountPath = Annotated[str, Path(min_length=1, max_length=80, description="an account id (not its number)")]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="required for money movements: one key per movement, reused on retry"),
]
Amount = StrictInt | StrictFloat
Identity = Annotated[
    str | None,
    Query(
        max_length=128,
        description="services: the KYC session whose recent approved result names this customer (staff: not needed)",
    ),
]


def _reader(who: Principal, identity: str | None) -> Reader:
    """Staff read as they are; a service reads a customer's data only with the customer's identity."""
    return Reader(needs_identity=who.role is Role.SERVICE, identity=identity)


def _json(body: dict[str, Any], status: int = 200, *, replayed: bool = False) -> JSONResponse:
    headers = {**SANDBOX_HEADER, **({"Idempotent-Replayed": "true"} if replayed else {})}
    return JSONResponse(body, status_code=status, headers=headers)


def _answer(answer: Answer) -> JSONResponse:
    return _json(answer.body, answer.status, replayed=answer.replayed)


# ------------------------------------------------------------------------------------------------ bodies
class MovementBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirmed: StrictBool = Field(False, description="the customer confirmed this movement explicitly (must be true)")
    identity: str | None = Field(
        None, max_length=128, description="the KYC session id whose approved result proves the customer's identity"
    )

    def fields(self) -> dict[str, Any]:
        """The movement's own fields (what the idempotency key's fingerprint covers)."""
        return self.model_dump(exclude={"confirmed", "identity"})


class TransferBody(MovementBody):
    from_account_id: str = Field(min_length=1, max_length=80)
    to_account_id: str = Field(min_length=1, max_length=80)
    amount_minor: Amount = Field(description="minor units (fen, cents): a positive whole number")
    currency: str = Field("CNY", min_length=3, max_length=3)


class CardRepaymentBody(MovementBody):
    from_account_id: str = Field(min_length=1, max_length=80)
    card_account_id: str = Field(min_length=1, max_length=80)
    amount_minor: Amount = Field(description="minor units: at most what the card owes")
    currency: str = Field("CNY", min_length=3, max_length=3)


class UtilityPaymentBody(MovementBody):
    from_account_id: str = Field(min_length=1, max_length=80)
    biller_id: str = Field(min_length=1, max_length=80)
    bill_reference: str = Field(max_length=64, description="the bill's reference (4-32 letters, digits, dashes)")
    amount_minor: Amount = Field(description="minor units")
    currency: str = Field("CNY", min_length=3, max_length=3)


class ReversalBody(MovementBody):
    pass


class WalletTopUpBody(MovementBody):
    from_account_id: str = Field(min_length=1, max_length=80)
    amount_minor: Amount = Field(description="minor units; the wallet holds at most 10,000.00 CNY")
    currency: str = Field("CNY", min_length=3, max_length=3)


class EnrolmentBody(MovementBody):
    account_id: str | None = Field(
        None, max_length=80, description="sms_alerts: the account alerted; card_activation: the credit card"
    )
    threshold_minor: StrictInt | None = Field(
        None, description="sms_alerts: alert for movements from this amount up, minor units"
    )


class PinBody(MovementBody):
    new_pin: str = Field(
        min_length=1, max_length=16, description="six digits; kept only as a salted scrypt hash, never echoed"
    )

    def fields(self) -> dict[str, Any]:
        """Never the PIN: the key's fingerprint and the audit see only which account."""
        return {}


ServiceName = Annotated[
    str,
    Path(max_length=40, description="mobile_banking, sms_alerts, digital_wallet or card_activation"),
]
CHANGE_ERRORS = _statuses(
    "idempotency_key_required",
    "confirmation_required",
    "identity_not_verified",
    "unknown_customer",
    "unknown_account",
    "unknown_service",
    "not_own_account",
    "wrong_account_kind",
    "amount_out_of_range",
    "no_phone",
    "already_enrolled",
    "already_active",
    "idempotency_conflict",
)


@dataclass(frozen=True)
class _Asked:
    """A money movement or self-service change asked by a service for a customer of the branch."""

    branch_id: str
    customer_id: str
    who: Principal
    key: str | None
    body: MovementBody
    fields: dict[str, Any] | None = None
    """What the idempotency key covers instead of the body's own fields."""

    async def move(
        self, call: Callable[Concatenate[Movement, P], Awaitable[Answer]], *args: P.args, **kwargs: P.kwargs
    ) -> JSONResponse:
        """The movement asked of the core and its answer (a refusal raises CoreRefused: see PROBLEMS)."""
        return _answer(await call(self._movement(), *args, **kwargs))

    async def change(
        self,
        call: Callable[Concatenate[Change, P], Awaitable[tuple[int, dict[str, Any], bool]]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> JSONResponse:
        status, answer, replayed = await call(self._change(), *args, **kwargs)
        return _json(answer, status, replayed=replayed)

    def _movement(self) -> Movement:
        return Movement(
            branch_id=self.branch_id,
            customer_id=self.customer_id,
            caller=Caller(self.who.subject, self.who.role.value),
            idempotency_key=self.key,
            confirmed=self.body.confirmed,
            identity=self.body.identity,
            body=self.body.fields() if self.fields is None else self.fields,
        )

    def _change(self) -> Change:
        return Change(
            branch_id=self.branch_id,
            customer_id=self.customer_id,
            subject=self.who.subject,
            role=self.who.role.value,
            idempotency_key=self.key,
            confirmed=self.body.confirmed,
            identity=self.body.identity,
            fields=self.body.fields() if self.fields is None else self.fields,
        )


def _asked(branch_id: str, customer_id: str, who: Principal, key: str | None, body: MovementBody) -> _Asked:
    """The branch checked first (403 before anything else)."""
    check_branch(who, branch_id)
    return _Asked(branch_id, customer_id, who, key, body)


# ------------------------------------------------------------------------------------------------ public tables
@router.get("/fx-rates", summary="SANDBOX FX rates (illustrative, not a quotation)")
async def fx_rates(who: AnyRole, core: CoreDep) -> JSONResponse:
    return _json(core.fx_rates())


@router.get("/interest-rates", summary="SANDBOX interest rates (illustrative, not an offer)")
async def interest_rates(who: AnyRole, core: CoreDep) -> JSONResponse:
    return _json(core.interest_rates())


@router.get("/billers", summary="The sandbox's utility billers")
async def billers(who: AnyRole, core: CoreDep) -> JSONResponse:
    return _json(await core.billers())


# ------------------------------------------------------------------------------------------------ reads
@router.get(
    "/branches/{branch_id}/customers",
    responses=_statuses("identity_required", "identity_not_verified"),
    summary="The branch's sandbox customers (demo data); for a service, the one its KYC session names",
)
async def customers(
    branch_id: BranchPath, who: TellerManagerService, core: CoreDep, identity: Identity = None
) -> JSONResponse:
    check_branch(who, branch_id)
    return _json(await core.customers(branch_id, _reader(who, identity)))


@router.get(
    "/branches/{branch_id}/customers/{customer_id}/accounts",
    responses=READ_ERRORS,
    summary="A customer's accounts (numbers masked) and balances",
)
async def accounts(
    branch_id: BranchPath,
    customer_id: CustomerPath,
    who: TellerManagerService,
    core: CoreDep,
    identity: Identity = None,
) -> JSONResponse:
    check_branch(who, branch_id)
    return _json(await core.accounts(branch_id, customer_id, _reader(who, identity)))


@router.get(
    "/branches/{branch_id}/customers/{customer_id}/accounts/{account_id}",
    responses=READ_ERRORS,
    summary="One account's balance",
)
async def balance(
    branch_id: BranchPath,
    customer_id: CustomerPath,
    account_id: AccountPath,
    who: TellerManagerService,
    core: CoreDep,
    identity: Identity = None,
) -> JSONResponse:
    check_branch(who, branch_id)
    return _json(await core.balance(branch_id, customer_id, account_id, _reader(who, identity)))


@router.get(
    "/branches/{branch_id}/customers/{customer_id}/accounts/{account_id}/statement",
    responses={**READ_ERRORS, **_statuses("bad_date", "bad_range")},
    summary="An account's postings over local days from..to (default: the last 30 days)",
)
async def statement(
    branch_id: BranchPath,
    customer_id: CustomerPath,
    account_id: AccountPath,
    who: TellerManagerService,
    core: CoreDep,
    start: Annotated[str | None, Query(alias="from", max_length=10, description="first day YYYY-MM-DD")] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10, description="last day YYYY-MM-DD")] = None,
    identity: Identity = None,
) -> JSONResponse:
    check_branch(who, branch_id)
    return _json(await core.statement(branch_id, customer_id, account_id, start, end, _reader(who, identity)))


@router.get(
    "/branches/{branch_id}/customers/{customer_id}/services",
    responses=READ_ERRORS,
    summary="The customer's self-services: registered phone (masked), enrolments, card states, wallet",
)
async def self_services(
    branch_id: BranchPath,
    customer_id: CustomerPath,
    who: TellerManagerService,
    core: CoreDep,
    identity: Identity = None,
) -> JSONResponse:
    check_branch(who, branch_id)
    return _json(await core.self_services(branch_id, customer_id, _reader(who, identity)))


@router.get(
    "/branches/{branch_id}/customers/{customer_id}/pension-credits",
    responses={**READ_ERRORS, **_statuses("bad_date", "bad_range")},
    summary="The customer's pension credits over local days from..to (default: the last 365 days)",
)
async def pension_credits(
    branch_id: BranchPath,
    customer_id: CustomerPath,
    who: TellerManagerService,
    core: CoreDep,
    start: Annotated[str | None, Query(alias="from", max_length=10, description="first day YYYY-MM-DD")] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10, description="last day YYYY-MM-DD")] = None,
    identity: Identity = None,
) -> JSONResponse:
    check_branch(who, branch_id)
    return _json(await core.pension(branch_id, customer_id, start, end, _reader(who, identity)))


@router.get(
    "/branches/{branch_id}/audit",
    summary="The sandbox core's audit log of the branch, newest first (masked)",
)
async def audit(
    branch_id: BranchPath,
    who: ManagerHeadOfficeService,
    core: CoreDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: Annotated[int | None, Query(ge=1)] = None,
) -> JSONResponse:
    check_branch(who, branch_id)
    return _json(await core.audit(branch_id, limit, before_id))


# ------------------------------------------------------------------------------------------------ movements
@router.post(
    "/branches/{branch_id}/customers/{customer_id}/transfers",
    status_code=201,
    responses=MOVE_ERRORS,
    summary="Transfer between the customer's own deposit accounts",
)
async def transfer(
    branch_id: BranchPath,
    customer_id: CustomerPath,
    body: TransferBody,
    who: ServiceOnly,
    core: CoreDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    asked = _asked(branch_id, customer_id, who, key, body)
    return await asked.move(core.transfer, body.from_account_id, body.to_account_id, body.amount_minor, body.currency)  # type: ignore[arg-type]


@router.post(
    "/branches/{branch_id}/customers/{customer_id}/card-repayments",
    status_code=201,
    responses=MOVE_ERRORS,
    summary="Repay the customer's credit card from a deposit account",
)
async def card_repayment(
    branch_id: BranchPath,
    customer_id: CustomerPath,
    body: CardRepaymentBody,
    who: ServiceOnly,
    core: CoreDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    asked = _asked(branch_id, customer_id, who, key, body)
    return await asked.move(
        core.card_repayment,
        body.from_account_id,
        body.card_account_id,
        body.amount_minor,  # type: ignore[arg-type]
        body.currency,
    )


@router.post(
    "/branches/{branch_id}/customers/{customer_id}/utility-payments",
    status_code=201,
    responses={**MOVE_ERRORS, **_statuses("unknown_biller", "bad_bill_reference")},
    summary="Pay a utility bill from a deposit account",
)
async def utility_payment(
    branch_id: BranchPath,
    customer_id: CustomerPath,
    body: UtilityPaymentBody,
    who: ServiceOnly,
    core: CoreDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    asked = _asked(branch_id, customer_id, who, key, body)
    return await asked.move(
        core.utility_payment,
        body.from_account_id,
        body.biller_id,
        body.bill_reference,
        body.amount_minor,  # type: ignore[arg-type]
        body.currency,
    )


@router.post(
    "/branches/{branch_id}/customers/{customer_id}/postings/{posting_id}/reversal",
    status_code=201,
    responses=_statuses(
        "idempotency_key_required",
        "confirmation_required",
        "identity_not_verified",
        "unknown_customer",
        "unknown_posting",
        "already_reversed",
        "not_reversible",
        "insufficient_funds",
        "idempotency_conflict",
    ),
    summary="Reverse a posting of today: a compensating posting, once",
)
async def reversal(
    branch_id: BranchPath,
    customer_id: CustomerPath,
    posting_id: Annotated[str, Path(max_length=20, description="the posting to reverse")],
    body: ReversalBody,
    who: ServiceOnly,
    core: CoreDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    asked = _asked(branch_id, customer_id, who, key, body)
    if not posting_id.isdigit() or len(posting_id) > 18:
        raise CoreRefused("unknown_posting", "no such posting of this customer")
    return await replace(asked, fields={"posting_id": int(posting_id)}).move(core.reverse, int(posting_id))


@router.post(
    "/branches/{branch_id}/customers/{customer_id}/services/{service}",
    status_code=201,
    responses=CHANGE_ERRORS,
    summary="Enrol in a self-service (mobile banking, SMS alerts, digital RMB wallet) or activate a credit card",
)
async def enrol(
    branch_id: BranchPath,
    customer_id: CustomerPath,
    service: ServiceName,
    body: EnrolmentBody,
    who: ServiceOnly,
    core: CoreDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    return await _asked(branch_id, customer_id, who, key, body).change(core.services.enrol, service)


@router.post(
    "/branches/{branch_id}/customers/{customer_id}/accounts/{account_id}/pin",
    status_code=201,
    responses={**CHANGE_ERRORS, **_statuses("bad_pin", "weak_pin")},
    summary="Change a card's or account's PIN (kept only as a salted scrypt hash; never echoed or logged)",
)
async def change_pin(
    branch_id: BranchPath,
    customer_id: CustomerPath,
    account_id: AccountPath,
    body: PinBody,
    who: ServiceOnly,
    core: CoreDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    asked = replace(_asked(branch_id, customer_id, who, key, body), fields={"account_id": account_id})
    return await asked.change(core.services.change_pin, body.new_pin)


@router.post(
    "/branches/{branch_id}/customers/{customer_id}/wallet-top-ups",
    status_code=201,
    responses=MOVE_ERRORS,
    summary="Top up the customer's digital RMB wallet from a deposit account (a posting)",
)
async def wallet_top_up(
    branch_id: BranchPath,
    customer_id: CustomerPath,
    body: WalletTopUpBody,
    who: ServiceOnly,
    core: CoreDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    asked = _asked(branch_id, customer_id, who, key, body)
    return await asked.move(core.wallet_top_up, body.from_account_id, body.amount_minor, body.currency)  # type: ignore[arg-type]
