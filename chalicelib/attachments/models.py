"""Consumers' attachments (issue 19): documents attached to a request or a message — justification letters for
a zero-rupiah waiver, scanned letters, supporting documents. They are stored as a list on the request item
(`requests.models.Attachment`; at most `max_attachments` each, so no table of their own) and their files in the
deliverables bucket under `attachments/<request_id>/<attachment_id>/<filename>` (private, encrypted,
versioned).

Statuses: `pending` (upload form issued) → `ready` (the object matches the declared size, SHA-256 and type,
its magic bytes included; pinned to that version) | `rejected` (it did not; the version is deleted);
`deleted` (withdrawn by the owner, or removed by the retention policy; kept for the audit trail)."""

from __future__ import annotations

from chalicelib.requests.models import Attachment

__all__ = ["Attachment", "DELETED", "KEY_PREFIX", "MAGIC", "PENDING", "PURPOSES", "READY", "REJECTED"]

PENDING = "pending"
READY = "ready"
REJECTED = "rejected"
DELETED = "deleted"
KEY_PREFIX = "attachments/"
PURPOSES = ("supporting", "zero_rupiah_justification", "message")

#: content type -> the file signatures it must start with (checked on the uploaded bytes, not on the name)
MAGIC: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
#: extension -> content type
EXTENSIONS = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}
