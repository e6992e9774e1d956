"""What the KYC use cases refuse: a document or selfie image that cannot be used (every one a ``ValueError``
with a clear reason), and a session that is gone or not in the state a call needs. routes/uploads.py says
which problem+json answers each."""

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


class SessionNotFound(LookupError):
    """No such session (never created, deleted, or expired)."""


class SessionStateError(RuntimeError):
    """The call does not fit the session's state (e.g. a selfie before the ID card)."""
