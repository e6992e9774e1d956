"""The sandbox core: an embedded, clearly labelled *sandbox* core-banking ledger (docs/core-banking.md).

Pure rules only (values in, values out): money in integer minor units, accounts and their bounds, balanced
double-entry postings, kiosk limits, reversals, masking, identity proof, idempotency, sandbox rates and the
deterministic demo customers. Storage is ``adapters/sandbox_core_store.py``, the API ``routes/sandbox_core.py``.
"""
