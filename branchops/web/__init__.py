"""FastAPI app factory and the pieces every service shares."""

from branchops.web.app_factory import create_service_app
from branchops.web.auth import Principal, PrincipalDep, check_branch, issue_token, require_roles
from branchops.web.health import ReadinessCheck
from branchops.web.problems import Problem

__all__ = ["Principal", "PrincipalDep", "Problem", "ReadinessCheck", "check_branch", "create_service_app",
           "issue_token", "require_roles"]
