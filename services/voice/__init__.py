"""Voice service, registered with the platform as :data:`SERVICE` (entry point ``branchops.services``)."""

from branchops.plugins import ServiceDescriptor

SERVICE = ServiceDescriptor(
    name="voice",
    env_prefix="VOICE",
    default_port=8004,
    app_factory="services.voice.app:create_app",
    start_order=50,
    needs=("queue",),  # base URLs in its settings
    dev_setup="services.voice.devsetup:dev_setup",
)
