"""Deliverables (files for a request) and the download log.

Access patterns (Query on the hash key, never Scan):
- a request's deliverables: `DeliverableRecord.query(request_id)`
- a request's download log, oldest first: `DownloadRecord.query(request_id)` (range key starts with the time)
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.db import meta

PENDING = "pending"  # upload URL issued, the file has not arrived (or not been verified) yet
READY = "ready"  # the file arrived and matches the declared size, type and SHA-256
REJECTED = "rejected"  # the file did not match; its object version was deleted
DELETED = "deleted"  # withdrawn by staff (e.g. to replace a rejected upload); kept for the audit trail
STATUSES = (PENDING, READY, REJECTED, DELETED)


class StoredFile(Model):
    """The attributes of an uploaded, verified file (no table of its own): a request's deliverable, a catalog item's
    data file (`catalog_files.CatalogFileRecord`); `uploads` issues and verifies both."""

    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size_bytes = NumberAttribute()
    sha256 = UnicodeAttribute()
    s3_key = UnicodeAttribute()
    status = UnicodeAttribute(default=PENDING)  # pending | ready | rejected | deleted
    reject_reason = UnicodeAttribute(null=True)
    reject_code = UnicodeAttribute(null=True)  # size_mismatch | sha256_mismatch | content_type_mismatch
    uploaded_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    upload_expires_at = UnicodeAttribute(null=True)
    uploaded_at = UnicodeAttribute(null=True)  # S3 event time of the verified (or rejected) object
    verified_at = UnicodeAttribute(null=True)
    version_id = UnicodeAttribute(null=True)  # the S3 object version that was verified (or rejected)
    deleted_at = UnicodeAttribute(null=True)
    deleted_by = UnicodeAttribute(null=True)


class DeliverableRecord(StoredFile):
    Meta = meta("deliverables")

    request_id = UnicodeAttribute(hash_key=True)
    deliverable_id = UnicodeAttribute(range_key=True)
    source = UnicodeAttribute(null=True)  # "catalog": a published file of an ordered item (delivery/catalog_files.py)


class DownloadRecord(Model):
    Meta = meta("downloads")

    request_id = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)  # "<at>#<deliverable_id>#<rand>"
    deliverable_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    s3_key = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    at = UnicodeAttribute(null=True)
    filename = UnicodeAttribute(null=True)
    version_id = UnicodeAttribute(null=True)
    sha256 = UnicodeAttribute(null=True)
