"""Gateway service, registered with the platform as :data:`SERVICE` (entry point ``branchops.services``)."""

from branchops.plugins import ServiceDescriptor

SERVICE = ServiceDescriptor(
    name="gateway",
    env_prefix="GATEWAY",
    default_port=8000,
    app_factory="services.gateway.app:create_app",
    start_order=10,
    needs=("queue", "staffing", "kyc", "voice"),  # base URLs in its settings
    dev_setup="services.gateway.devsetup:dev_setup",
)
