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


class NoFaceError(DocumentError):
    reason = "no_face"


class MultipleFacesError(DocumentError):
    reason = "multiple_faces"


class FaceTooSmallError(DocumentError):
    reason = "face_too_small"


class NotACameraImageError(DocumentError):
    reason = "not_a_camera_image"


class NoPortraitError(DocumentError):
    reason = "no_portrait_on_document"
