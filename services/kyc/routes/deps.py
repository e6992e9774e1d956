"""Dependencies of the kyc routes: what bootstrap.py put in ``app.state``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.kyc.settings import KycSettings
from services.kyc.usecases.merchant import MerchantOnboarding
from services.kyc.usecases.verification import Verification


async def get_verification(request: Request) -> Verification:
    verification: Verification = request.app.state.verification
    return verification


async def get_onboarding(request: Request) -> MerchantOnboarding:
    onboarding: MerchantOnboarding = request.app.state.onboarding
    return onboarding


async def get_settings(request: Request) -> KycSettings:
    settings: KycSettings = request.app.state.kyc_settings
    return settings


KycDep = Annotated[Verification, Depends(get_verification)]
SettingsDep = Annotated[KycSettings, Depends(get_settings)]
MerchantDep = Annotated[MerchantOnboarding, Depends(get_onboarding)]
