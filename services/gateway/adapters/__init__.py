"""Adapters of the gateway service to Kafka, Redis and the outside world."""
