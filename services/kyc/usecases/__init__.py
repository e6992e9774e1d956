"""Use cases of the kyc service: document reading, face checks, sessions and their decision."""
