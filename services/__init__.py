"""The five BranchOps services; each one has a single composition root (``bootstrap.py``)."""
