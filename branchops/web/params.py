"""Path parameters every service's routes share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from branchops.contracts.base import BranchId

BranchPath = Annotated[BranchId, Path(description="Branch id")]
"""``{branch_id}`` in a route's path: a branch id as the contracts define it (422 problem+json otherwise)."""
