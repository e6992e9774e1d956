"""Errors raised when a document image cannot be read; every one is a ``ValueError`` with a clear reason."""

from __future__ import annotations


class DocumentError(ValueError):
    """Base of every document-reading failure; ``reason`` is a short machine-readable code."""

    reason: str = "document_error"

    def __init__(self, message: str) -> None:
        super().__init__(f"{self.reason}: {message}")


class NotAnImageError(DocumentError):
    reason = "not_an_image"


class ImageTooLargeError(DocumentError):
    reason = "image_too_large"


class NoDocumentFoundError(DocumentError):
    reason = "no_document_found"
