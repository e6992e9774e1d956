"""Application logic of the queue service: each use case is given its adapters by bootstrap.py."""
