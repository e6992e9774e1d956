"""Simulated branches that drive the services from outside; no service imports this package.

``branch_day`` simulates a whole branch day offline (events and ground truth for benchmarks and tests),
``live_branch`` plays such a day in real time through the queue service's HTTP API, ``cameras`` stages
synthetic footfall.v1 counts in the queue service's Redis outbox, and ``cli`` is ``branchops simulate``
(also what ``branchops up`` runs for the queue service's ``simulator``).
"""
