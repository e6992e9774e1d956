"""Kyc service."""
