"""Queue service, registered with the platform as :data:`SERVICE` (entry point ``branchops.services``)."""

from branchops.plugins import ServiceDescriptor

SERVICE = ServiceDescriptor(
    name="queue",
    env_prefix="QUEUE",
    default_port=8001,
    app_factory="services.queue.app:create_app",
    start_order=20,
    simulator=(
        "simulate",
        "--branch",
        "{branch}",
        "--speed",
        "{speed}",
        "--queue-url",
        "{url}",
        "--redis-url",
        "{redis_url}",
        "--minutes",
        "{minutes}",
        "--staffing-url",
        "{staffing_url}",
    ),
    simulator_env=(("BRANCHOPS_SIM_API_KEY", "{key_teller}"),),
)
