"""Adapters of the kyc service to Kafka, Redis and the outside world."""
