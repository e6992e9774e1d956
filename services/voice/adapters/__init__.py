"""Adapters of the voice service to Kafka, Redis and the outside world."""
