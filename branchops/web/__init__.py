"""FastAPI app factory and the pieces every service shares."""

from branchops.web.app_factory import create_service_app
from branchops.web.auth import Principal, PrincipalDep, check_branch, issue_token, require_roles
from branchops.web.body import JsonBody, read_body, read_json_body
from branchops.web.health import ReadinessCheck
from branchops.web.params import BranchPath
from branchops.web.problems import Problem

__all__ = [
    "BranchPath",
    "JsonBody",
    "Principal",
    "PrincipalDep",
    "Problem",
    "ReadinessCheck",
    "check_branch",
    "create_service_app",
    "issue_token",
    "read_body",
    "read_json_body",
    "require_roles",
]
