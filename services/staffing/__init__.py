"""Staffing service, registered with the platform as :data:`SERVICE` (entry point ``branchops.services``)."""

from branchops.plugins import ServiceDescriptor

SERVICE = ServiceDescriptor(
    name="staffing",
    env_prefix="STAFFING",
    default_port=8002,
    app_factory="services.staffing.app:create_app",
    start_order=30,
)
