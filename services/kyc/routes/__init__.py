"""HTTP routes of the kyc service."""
