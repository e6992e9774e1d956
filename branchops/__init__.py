"""BranchOps shared platform library: contracts, bus, state, web, devstack."""

__version__ = "0.1.0"
