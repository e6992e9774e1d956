"""Records service, registered with the platform as :data:`SERVICE` (entry point ``branchops.services``).

PostgreSQL is the branch's memory: the branch configuration (system of record) now; every event kept,
rollups and reports later.
"""

from branchops.plugins import ServiceDescriptor

SERVICE = ServiceDescriptor(
    name="records",
    env_prefix="RECORDS",
    default_port=8005,
    app_factory="services.records.app:create_app",
    start_order=35,  # after staffing, before kyc and voice
    database=True,
    dev_setup="services.records.devsetup:dev_setup",
)
