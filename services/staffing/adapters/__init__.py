"""Adapters of the staffing service to Kafka, Redis and the outside world."""
