"""``GET|PUT /v1/branches/{b}/config``: the branch configuration, with ETag / If-Match (DESIGN.md section 4).

Managers change their branch's configuration (a credential tied to a branch reaches only that branch);
head office and services read every branch's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from branchops.web import BranchPath, JsonBody, Problem, check_branch
from branchops.web.roles import ManagerHeadOfficeService, ManagerOnly
from services.records.domain.config import BranchConfig, ChangedBy, StoredConfig
from services.records.domain.preconditions import PreconditionFailed, PreconditionRequired, etag
from services.records.domain.validation import InvalidConfig
from services.records.routes.deps import ConfigurationDep

router = APIRouter(prefix="/v1", tags=["configuration"])


class ConfigView(BaseModel):
    branch_id: str
    version: int
    updated_at: dt.datetime
    updated_by: ChangedBy
    config: BranchConfig


PROBLEMS: dict[int | str, dict[str, Any]] = {
    404: {"description": "the branch has no configuration yet"},
}
PUT_PROBLEMS: dict[int | str, dict[str, Any]] = {
    412: {"description": "If-Match names a version that is not the current one (reason: stale)"},
    422: {"description": "the document is refused (reason: invalid_config); reasons: [{code, field, message}]"},
    428: {"description": "the configuration exists and If-Match is missing (reason: if_match_required)"},
}


def _reply(stored: StoredConfig, status: int = 200) -> JSONResponse:
    view = ConfigView(
        branch_id=stored.branch_id,
        version=stored.version,
        updated_at=stored.updated_at,
        updated_by=stored.updated_by,
        config=stored.config,
    )
    headers = {"ETag": etag(stored.version), "Cache-Control": "no-store"}
    if status == 201:
        headers["Location"] = f"/v1/branches/{stored.branch_id}/config"
    return JSONResponse(view.model_dump(mode="json"), status_code=status, headers=headers)


@router.get(
    "/branches/{branch_id}/config",
    response_model=ConfigView,
    responses=PROBLEMS,
    summary="The branch's configuration; its version is the ETag",
)
async def get_config(
    branch_id: BranchPath, who: ManagerHeadOfficeService, configuration: ConfigurationDep
) -> JSONResponse:
    check_branch(who, branch_id)
    stored = await configuration.get(branch_id)
    if stored is None:
        raise Problem(404, "No configuration", f"branch {branch_id} has no configuration yet", reason="not_configured")
    return _reply(stored)


IfMatch = Annotated[
    str | None, Header(description="ETag of the version this change was made on; required once a configuration exists")
]


@router.put(
    "/branches/{branch_id}/config",
    response_model=ConfigView,
    responses={201: {"description": "created"}, **PUT_PROBLEMS},
    summary="Replace the branch's configuration (If-Match: the ETag it was made on)",
)
async def put_config(
    branch_id: BranchPath, who: ManagerOnly, configuration: ConfigurationDep, body: JsonBody, if_match: IfMatch = None
) -> JSONResponse:
    check_branch(who, branch_id)
    try:
        result = await configuration.put(branch_id, body, if_match, ChangedBy(subject=who.subject, role=who.role.value))
    except InvalidConfig as exc:
        raise Problem(
            422, "Invalid configuration", str(exc), reason="invalid_config", reasons=[asdict(r) for r in exc.reasons]
        ) from None
    except PreconditionRequired as exc:
        raise Problem(
            428, "Precondition required", str(exc), reason="if_match_required", current_etag=etag(exc.current)
        ) from None
    except PreconditionFailed as exc:
        raise Problem(
            412,
            "Precondition failed",
            str(exc),
            reason="stale",
            current_etag=etag(exc.current) if exc.current else None,
        ) from None
    return _reply(result.stored, 201 if result.created else 200)
