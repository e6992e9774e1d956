"""Staffing service, registered with the platform as :data:`SERVICE` (entry point ``branchops.services``)."""

from branchops.plugins import ServiceDescriptor

SERVICE = ServiceDescriptor(
    name="staffing",
    env_prefix="STAFFING",
    default_port=8002,
    app_factory="services.staffing.app:create_app",
    start_order=30,
    # the branch's configuration seeded into records and 30 past days of tickets (simulation/history.py);
    # staffing's URL announced in the run's Redis, so the simulated tellers follow its plan and alerts
    simulator=(
        "simulate-history",
        "--branch",
        "{branch}",
        "--records-url",
        "{records_url}",
        "--kafka",
        "{kafka}",
        "--redis-url",
        "{redis_url}",
        "--days",
        "30",
        "--staffing-url",
        "{url}",
    ),
    simulator_env=(("BRANCHOPS_SIM_MANAGER_KEY", "{key_manager}"),),
)
