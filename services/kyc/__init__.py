"""Kyc service, registered with the platform as :data:`SERVICE` (entry point ``branchops.services``)."""

from branchops.plugins import ServiceDescriptor

SERVICE = ServiceDescriptor(
    name="kyc",
    env_prefix="KYC",
    default_port=8003,
    app_factory="services.kyc.app:create_app",
    start_order=40,
)
