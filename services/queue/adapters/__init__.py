"""Adapters of the queue service to Kafka, Redis and the outside world."""
