"""Synthetic documents for the KYC OCR bench and tests: invented people and firms, valid checksums."""
