"""The role sets routes admit, one name each, and the principal dependency of each set.

Every name lists exactly the roles it admits, in the order kiosk, teller, manager, head office, service
(``AnyRole``: all five; ``ManagerOnly``: the manager role alone). A route declares who may call it by
its principal's type::

    async def call_next(branch_id: BranchPath, who: TellerManagerService) -> ...

A service that resolves its callers in its own way (the gateway: device keys, session cookies) builds
its dependencies from the same sets under the same names, so a name means one thing everywhere.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from branchops.settings import Role
from branchops.web.auth import Principal, require_roles

K, T, M, H, S = Role.KIOSK, Role.TELLER, Role.MANAGER, Role.HEAD_OFFICE, Role.SERVICE

ANY_ROLE = frozenset(Role)
KIOSK_TELLER_MANAGER_SERVICE = frozenset({K, T, M, S})
KIOSK_TELLER_MANAGER = frozenset({K, T, M})
KIOSK_SERVICE = frozenset({K, S})
TELLER_MANAGER_HEAD_OFFICE_SERVICE = frozenset({T, M, H, S})
TELLER_MANAGER_SERVICE = frozenset({T, M, S})
MANAGER_HEAD_OFFICE_SERVICE = frozenset({M, H, S})
MANAGER_SERVICE = frozenset({M, S})
MANAGER_ONLY = frozenset({M})
HEAD_OFFICE_SERVICE = frozenset({H, S})

AnyRole = Annotated[Principal, Depends(require_roles(*ANY_ROLE))]
KioskTellerManagerService = Annotated[Principal, Depends(require_roles(*KIOSK_TELLER_MANAGER_SERVICE))]
KioskTellerManager = Annotated[Principal, Depends(require_roles(*KIOSK_TELLER_MANAGER))]
KioskService = Annotated[Principal, Depends(require_roles(*KIOSK_SERVICE))]
TellerManagerHeadOfficeService = Annotated[Principal, Depends(require_roles(*TELLER_MANAGER_HEAD_OFFICE_SERVICE))]
TellerManagerService = Annotated[Principal, Depends(require_roles(*TELLER_MANAGER_SERVICE))]
ManagerHeadOfficeService = Annotated[Principal, Depends(require_roles(*MANAGER_HEAD_OFFICE_SERVICE))]
ManagerService = Annotated[Principal, Depends(require_roles(*MANAGER_SERVICE))]
ManagerOnly = Annotated[Principal, Depends(require_roles(*MANAGER_ONLY))]
HeadOfficeService = Annotated[Principal, Depends(require_roles(*HEAD_OFFICE_SERVICE))]

__all__ = [
    "ANY_ROLE",
    "HEAD_OFFICE_SERVICE",
    "KIOSK_SERVICE",
    "KIOSK_TELLER_MANAGER",
    "KIOSK_TELLER_MANAGER_SERVICE",
    "MANAGER_HEAD_OFFICE_SERVICE",
    "MANAGER_ONLY",
    "MANAGER_SERVICE",
    "TELLER_MANAGER_HEAD_OFFICE_SERVICE",
    "TELLER_MANAGER_SERVICE",
    "AnyRole",
    "HeadOfficeService",
    "KioskService",
    "KioskTellerManager",
    "KioskTellerManagerService",
    "ManagerHeadOfficeService",
    "ManagerOnly",
    "ManagerService",
    "TellerManagerHeadOfficeService",
    "TellerManagerService",
]
