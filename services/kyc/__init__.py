"""Kyc service, registered with the platform as :data:`SERVICE` (entry point ``branchops.services``)."""

from branchops.plugins import ServiceDescriptor

SERVICE = ServiceDescriptor(
    name="kyc",
    env_prefix="KYC",
    default_port=8003,
    app_factory="services.kyc.app:create_app",
    start_order=40,
    # dev/demo: invented merchant applicants taken to review, so /officer has cases under make run
    simulator=("kyc", "demo-merchants", "--kyc-url", "{url}", "--branch", "{branch}"),
    simulator_env=(("BRANCHOPS_SIM_KIOSK_KEY", "{key_kiosk}"),),
    dev_setup="services.kyc.devsetup:dev_setup",
)
